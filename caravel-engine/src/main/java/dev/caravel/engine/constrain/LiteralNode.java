package dev.caravel.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * One of a fixed set of byte strings: {@code true}, {@code null}, an enum's or const's serialized values,
 * literal text of a tool-call format. A small trie; state {@code a} is the trie node.
 */
final class LiteralNode extends Node {
    private final byte[][] keys;      // per trie node: the bytes of its edges (sparse: enums can be large)
    private final int[][] targets;    // per trie node: the child for each of keys
    private final boolean[] terminal;
    private final int[] toEnd;       // per node: fewest bytes to a terminal
    private final List<String> values;

    LiteralNode(List<byte[]> strings, List<String> shown) {
        if (strings.isEmpty()) {
            throw new IllegalArgumentException("an empty set of allowed values");
        }
        List<int[]> nx = new ArrayList<>();
        List<Boolean> term = new ArrayList<>();
        nx.add(null);
        term.add(false);
        for (byte[] s : strings) {
            if (s.length == 0) {
                throw new IllegalArgumentException("an empty literal");
            }
            int n = 0;
            for (byte x : s) {
                int[] row = nx.get(n);
                if (row == null) {
                    row = new int[256];
                    Arrays.fill(row, -1);
                    nx.set(n, row);
                }
                int c = row[x & 0xFF];
                if (c < 0) {
                    c = nx.size();
                    row[x & 0xFF] = c;
                    nx.add(null);
                    term.add(false);
                }
                n = c;
            }
            term.set(n, true);
        }
        int[][] next = nx.toArray(new int[0][]);
        keys = new byte[next.length][];
        targets = new int[next.length][];
        for (int i = 0; i < next.length; i++) {
            int count = 0;
            if (next[i] != null) {
                for (int c : next[i]) {
                    count += c >= 0 ? 1 : 0;
                }
            }
            keys[i] = new byte[count];
            targets[i] = new int[count];
            int k = 0;
            for (int x = 0; next[i] != null && x < 256; x++) {
                if (next[i][x] >= 0) {
                    keys[i][k] = (byte) x;
                    targets[i][k++] = next[i][x];
                }
            }
        }
        terminal = new boolean[term.size()];
        for (int i = 0; i < terminal.length; i++) {
            terminal[i] = term.get(i);
        }
        // Children always have higher indices than parents, so one backward pass finds distances.
        toEnd = new int[terminal.length];
        for (int i = terminal.length - 1; i >= 0; i--) {
            int best = terminal[i] ? 0 : INF;
            for (int c : targets[i]) {
                best = Math.min(best, toEnd[c] + 1);
            }
            toEnd[i] = best;
        }
        values = List.copyOf(shown);
    }

    static LiteralNode of(String... texts) {
        List<byte[]> bytes = new ArrayList<>();
        for (String t : texts) {
            bytes.add(t.getBytes(StandardCharsets.UTF_8));
        }
        return new LiteralNode(bytes, List.of(texts));
    }

    @Override
    void step(Frame f, int b, Threads out) {
        byte[] k = keys[f.a];
        for (int i = 0; i < k.length; i++) {
            if ((k[i] & 0xFF) == b) {
                out.add(new Frame(this, targets[f.a][i], 0, 0, f.parent));
                return;
            }
        }
    }

    @Override
    boolean canEnd(Frame f) {
        return terminal[f.a];
    }

    @Override
    int remaining(Frame f) {
        return toEnd[f.a];
    }

    @Override
    int computeMinLen() {
        return toEnd[0];
    }

    @Override
    List<Node> children() {
        return List.of();
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        for (int i = 0; i < terminal.length; i++) {
            if (terminal[i] && keys[i].length > 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "literal" + values;
    }
}
