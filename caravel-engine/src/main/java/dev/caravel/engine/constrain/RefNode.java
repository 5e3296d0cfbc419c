package dev.caravel.engine.constrain;

import java.util.List;
import java.util.Set;

/** A {@code $ref}: stands for its target, which may be compiled later (recursive schemas). */
final class RefNode extends Node {
    final String ref;
    Node target;

    RefNode(String ref) {
        this.ref = ref;
    }

    @Override
    void enter(Frame parent, int b, Threads out) {
        if (target.minLen < INF) {
            target.enter(parent, b, out);
        }
    }

    @Override
    void step(Frame f, int b, Threads out) {
        throw new IllegalStateException("$ref is never on a stack");
    }

    @Override
    boolean canEnd(Frame f) {
        throw new IllegalStateException("$ref is never on a stack");
    }

    @Override
    int remaining(Frame f) {
        throw new IllegalStateException("$ref is never on a stack");
    }

    @Override
    int computeMinLen() {
        return target.minLen;
    }

    @Override
    List<Node> children() {
        return List.of(target);
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return !seen.add(this) || target.selfDelimiting(seen);
    }
}
