package dev.caravel.engine.constrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A value of any one of several nodes (anyOf, oneOf, type arrays). It never sits on a stack: its first
 * byte starts every alternative that accepts it, and the matcher follows them side by side until only
 * the consistent ones are left.
 */
final class AnyOfNode extends Node {
    private final List<Node> alternatives;

    AnyOfNode(List<Node> alternatives) {
        if (alternatives.isEmpty()) {
            throw new IllegalArgumentException("no alternatives");
        }
        this.alternatives = new ArrayList<>(alternatives);
    }

    @Override
    void enter(Frame parent, int b, Threads out) {
        for (Node alt : alternatives) {
            if (alt.minLen < INF) {
                alt.enter(parent, b, out);
            }
        }
    }

    @Override
    void step(Frame f, int b, Threads out) {
        throw new IllegalStateException("anyOf is never on a stack");
    }

    @Override
    boolean canEnd(Frame f) {
        throw new IllegalStateException("anyOf is never on a stack");
    }

    @Override
    int remaining(Frame f) {
        throw new IllegalStateException("anyOf is never on a stack");
    }

    @Override
    int computeMinLen() {
        int best = INF;
        for (Node alt : alternatives) {
            best = Math.min(best, alt.minLen);
        }
        return best;
    }

    @Override
    List<Node> children() {
        return alternatives;
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        if (!seen.add(this)) {
            return true;
        }
        for (Node alt : alternatives) {
            if (alt.minLen < INF && !alt.selfDelimiting(seen)) {
                return false;
            }
        }
        return true;
    }
}
