package dev.caravel.engine.constrain;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A deterministic automaton over the UTF-8 bytes of a string's content (from a pattern or format), with
 * dead states removed, so every transition it offers can still reach acceptance. It never offers the
 * bytes a JSON string must escape ({@code "}, {@code \}, controls), so its strings are written raw.
 */
final class Dfa {
    final int start;
    private final int[][] next;
    private final boolean[] accept;
    private final int[] bytesTo;
    private final int[] charsTo;

    Dfa(int start, int[][] next, boolean[] accept) {
        this.start = start;
        this.next = next;
        this.accept = accept;
        int n = next.length;
        this.bytesTo = distances(n, false);
        this.charsTo = distances(n, true);
        // Drop transitions into states that cannot reach acceptance.
        for (int[] row : next) {
            for (int x = 0; x < 256; x++) {
                if (row[x] >= 0 && bytesTo[row[x]] == Node.INF) {
                    row[x] = -1;
                }
            }
        }
    }

    /** Shortest distances to acceptance over reversed edges; in characters (continuation bytes free) or bytes. */
    private int[] distances(int n, boolean chars) {
        int[][] preds = new int[n][];
        int[][] predBytes = new int[n][];
        int[] counts = new int[n];
        for (int[] row : next) {
            for (int x = 0; x < 256; x++) {
                if (row[x] >= 0) {
                    counts[row[x]]++;
                }
            }
        }
        for (int s = 0; s < n; s++) {
            preds[s] = new int[counts[s]];
            predBytes[s] = new int[counts[s]];
            counts[s] = 0;
        }
        for (int s = 0; s < n; s++) {
            for (int x = 0; x < 256; x++) {
                int t = next[s][x];
                if (t >= 0) {
                    preds[t][counts[t]] = s;
                    predBytes[t][counts[t]++] = x;
                }
            }
        }
        int[] dist = new int[n];
        Arrays.fill(dist, Node.INF);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (accept[s]) {
                dist[s] = 0;
                queue.add(s);
            }
        }
        // 0-1 BFS: continuation bytes (10xxxxxx) cost no character.
        while (!queue.isEmpty()) {
            int t = queue.pollFirst();
            for (int i = 0; i < preds[t].length; i++) {
                int s = preds[t][i];
                int x = predBytes[t][i];
                int w = chars && (x & 0xC0) == 0x80 ? 0 : 1;
                if (dist[t] + w < dist[s]) {
                    dist[s] = dist[t] + w;
                    if (w == 0) {
                        queue.addFirst(s);
                    } else {
                        queue.addLast(s);
                    }
                }
            }
        }
        return dist;
    }

    int next(long state, int x) {
        return next[(int) state][x];
    }

    boolean accepts(int state) {
        return accept[state];
    }

    boolean live() {
        return bytesTo[start] < Node.INF;
    }

    int charsToAccept(int state) {
        return charsTo[state];
    }

    int bytesToAccept(int state) {
        return bytesTo[state];
    }
}
