package dev.caravel.engine.constrain;

import java.util.List;
import java.util.Set;

/** Its children's values one after the other (a tool call: literal text, JSON arguments, literal text). State {@code a}: the next child. */
final class SeqNode extends Node {
    private final Node[] parts;
    private int[] tail;     // tail[i]: fewest bytes of parts i..n-1

    SeqNode(List<Node> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("an empty sequence");
        }
        this.parts = parts.toArray(new Node[0]);
    }

    @Override
    void step(Frame f, int b, Threads out) {
        if (f.a < parts.length && parts[f.a].minLen < INF) {
            parts[f.a].enter(new Frame(this, f.a + 1, 0, 0, f.parent), b, out);
        }
    }

    @Override
    boolean canEnd(Frame f) {
        return f.a == parts.length;
    }

    @Override
    int remaining(Frame f) {
        return tail[f.a];
    }

    @Override
    int computeMinLen() {
        int sum = 0;
        for (Node p : parts) {
            sum = add(sum, p.minLen);
        }
        return sum;
    }

    @Override
    void finish() {
        tail = new int[parts.length + 1];
        for (int i = parts.length - 1; i >= 0; i--) {
            tail[i] = add(tail[i + 1], parts[i].minLen);
        }
    }

    @Override
    List<Node> children() {
        return List.of(parts);
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return parts[parts.length - 1].selfDelimiting(seen);
    }
}
