package dev.caravel.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Drives a grammar byte by byte, without a tokenizer: what the matcher accepts, and random walks. */
final class Bytes {
    private final Threads current = new Threads();
    private final Threads scratch = new Threads();
    private final StringBuilder trace = new StringBuilder();
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    Bytes(Grammar g) {
        g.prepare();
        SeqNode sentinel = new SeqNode(List.of(g.root));
        sentinel.finish();
        current.add(new Frame(sentinel, 0, 0, 0, null));
    }

    static Bytes of(Object schema) {
        return new Bytes(Grammar.schema(schema));
    }

    boolean feed(int b) {
        current.feedAll(b, scratch);
        if (scratch.size == 0) {
            return false;
        }
        current.copyFrom(scratch);
        out.write(b);
        return true;
    }

    /** Whether the whole text is accepted as a complete value. */
    static boolean accepts(Grammar g, String text) {
        Bytes m = new Bytes(g);
        for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
            if (!m.feed(x & 0xFF)) {
                return false;
            }
        }
        return m.canFinish();
    }

    /** Whether the text is a prefix of some accepted value. */
    static boolean acceptsPrefix(Grammar g, String text) {
        Bytes m = new Bytes(g);
        for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
            if (!m.feed(x & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    boolean canFinish() {
        return current.canFinish();
    }

    int bytesToFinish() {
        return current.bytesToFinish();
    }

    /** Bytes that may come next. */
    int[] allowed() {
        int[] tmp = new int[256];
        int n = 0;
        for (int x = 0; x < 256; x++) {
            current.feedAll(x, scratch);
            if (scratch.size > 0) {
                tmp[n++] = x;
            }
        }
        scratch.clear();
        return java.util.Arrays.copyOf(tmp, n);
    }

    /**
     * A random value: random allowed bytes (biased towards finishing after {@code soft} bytes: then only bytes
     * that bring the shortest completion closer), ending as soon as it can after that. Fails on a dead end.
     */
    static String randomWalk(Grammar g, Random rnd, int soft) {
        Bytes m = new Bytes(g);
        for (int step = 0; ; step++) {
            if (m.canFinish() && (step >= soft || rnd.nextInt(8) == 0)) {
                return m.text();
            }
            int[] next = m.allowed();
            if (next.length == 0) {
                if (m.canFinish()) {
                    return m.text();
                }
                throw new AssertionError("dead end after '" + m.text() + "'");
            }
            if (step >= soft) {
                int need = m.bytesToFinish();
                int best = -1;
                for (int x : next) {
                    Bytes probe = m.copy();
                    probe.feed(x);
                    if (probe.bytesToFinish() < need) {
                        best = x;
                        if (rnd.nextBoolean()) {
                            break;
                        }
                    }
                }
                if (best < 0) {
                    throw new AssertionError("no byte shortens the completion (" + need + ") after '" + m.text() + "'");
                }
                m.feed(best);
            } else {
                m.feed(next[rnd.nextInt(next.length)]);
            }
            if (step > soft + 100_000) {
                throw new AssertionError("does not end: '" + m.text() + "'");
            }
        }
    }

    private Bytes copy() {
        Bytes c = new Bytes();
        c.current.copyFrom(current);
        return c;
    }

    private Bytes() {
    }

    String text() {
        return out.toString(StandardCharsets.UTF_8);
    }
}
