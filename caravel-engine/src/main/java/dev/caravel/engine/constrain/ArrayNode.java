package dev.caravel.engine.constrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A JSON array: the prefixItems' schemas in order, then items (null: nothing more), between minItems and
 * maxItems elements. State: {@code a} = phase | whitespace counter &lt;&lt; 4; {@code b} = elements so far.
 */
final class ArrayNode extends Node {
    private static final int OPEN = 0;
    private static final int AFTER_OPEN = 1;
    private static final int AFTER_VALUE = 2;
    private static final int AFTER_COMMA = 3;
    private static final int CLOSED = 4;

    private final Node[] prefix;
    private final Node items;
    private final int min;
    private final int max;
    private int[] tail;    // tail[i]: bytes of elements i..min-1, each with a comma before it

    ArrayNode(List<Node> prefix, Node items, int min, int max) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("minItems " + min + " and maxItems " + max + " leave no array");
        }
        this.prefix = prefix.toArray(new Node[0]);
        this.items = items;
        this.min = min;
        this.max = items == null ? Math.min(max, prefix.size()) : max;
    }

    private Node item(int i) {
        return i < prefix.length ? prefix[i] : items;
    }

    /** Whether element i may come. */
    private boolean canAdd(int i) {
        Node it = i < max ? item(i) : null;
        return it != null && it.minLen < INF;
    }

    @Override
    void step(Frame f, int x, Threads out) {
        int phase = f.a & 15;
        int count = f.b;
        if (phase != OPEN && phase != CLOSED) {
            int nw = ws(f.a >>> 4, x);
            if (nw >= 0) {
                out.add(new Frame(this, phase | (nw << 4), count, 0, f.parent));
                return;
            }
        }
        switch (phase) {
            case OPEN -> {
                if (x == '[') {
                    out.add(new Frame(this, AFTER_OPEN, 0, 0, f.parent));
                }
            }
            case AFTER_OPEN, AFTER_VALUE -> {
                if (x == ']' && count >= min) {
                    out.add(new Frame(this, CLOSED, count, 0, f.parent));
                } else if (x == ',' && phase == AFTER_VALUE && canAdd(count)) {
                    out.add(new Frame(this, AFTER_COMMA, count, 0, f.parent));
                } else if (phase == AFTER_OPEN && canAdd(count)) {
                    item(count).enter(new Frame(this, AFTER_VALUE, count + 1, 0, f.parent), x, out);
                }
            }
            case AFTER_COMMA -> item(count).enter(new Frame(this, AFTER_VALUE, count + 1, 0, f.parent), x, out);
            default -> {
            }
        }
    }

    @Override
    boolean canEnd(Frame f) {
        return (f.a & 15) == CLOSED;
    }

    @Override
    int remaining(Frame f) {
        int count = f.b;
        return switch (f.a & 15) {
            case OPEN -> minLen;
            case AFTER_OPEN -> min == 0 ? 1 : tail[0];
            case AFTER_VALUE -> add(count < min ? tail[count] : 0, 1);
            case AFTER_COMMA -> add(add(item(count).minLen, count + 1 < min ? tail[count + 1] : 0), 1);
            default -> 0;
        };
    }

    @Override
    int computeMinLen() {
        long sum = 2;
        for (int i = 0; i < min; i++) {
            Node it = item(i);
            if (it == null) {
                return INF;
            }
            sum += it.minLen + (i > 0 ? 1 : 0);
            if (sum >= INF) {
                return INF;
            }
        }
        return (int) sum;
    }

    @Override
    void finish() {
        // tail[i]: ",e_i,...,e_{min-1}", each element with its comma (after '[' the first has none, but ']' follows).
        tail = new int[min + 1];
        for (int i = min - 1; i >= 0; i--) {
            Node it = item(i);
            tail[i] = add(tail[i + 1], add(it == null ? INF : it.minLen, 1));
        }
    }

    @Override
    List<Node> children() {
        List<Node> c = new ArrayList<>(List.of(prefix));
        if (items != null) {
            c.add(items);
        }
        return c;
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return true;
    }
}
