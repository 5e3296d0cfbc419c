package dev.caravel.engine.constrain;

import java.util.List;

/**
 * A compiled grammar element (a JSON value of some schema, a literal, a sequence). A node consumes the
 * bytes of its value one at a time; the state lives in {@link Frame}s, so nodes are immutable after
 * compilation and shared by every generation that uses the grammar.
 *
 * <p>Invariant that keeps the mask sound: a node only emits states from which its value can still be
 * completed (no dead ends), and never a state for a child whose {@link #minLen} is infinite.
 */
abstract class Node {
    /** "Cannot be completed"; small enough that sums of a few stay positive. */
    static final int INF = Integer.MAX_VALUE / 4;

    /** The fewest bytes of a complete value of this node; {@link #INF} when none exists. */
    int minLen = INF;

    /** Set once {@link #minLen} is final and {@link #finish} ran: the node is then shared read-only. */
    boolean prepared;

    /** Feeds {@code b} to the stack topped by {@code s}: the top node's own step, or its end and the parent's step. */
    static void feed(Frame s, int b, Threads out) {
        s.node.step(s, b, out);
        if (s.parent != null && s.node.canEnd(s)) {
            feed(s.parent, b, out);
        }
    }

    /** Starts a value of this node with its first byte {@code b}; {@code parent} holds the state after it. */
    void enter(Frame parent, int b, Threads out) {
        step(new Frame(this, 0, 0, 0, parent), b, out);
    }

    /** Consumes {@code b} inside this node's value (possibly entering a child), emitting the resulting stacks. */
    abstract void step(Frame f, int b, Threads out);

    /** Whether the value is complete in state {@code f} (it may still be able to continue, like a number). */
    abstract boolean canEnd(Frame f);

    /** The fewest bytes that complete this node's value from {@code f}, not counting a child in progress above it. */
    abstract int remaining(Frame f);

    /** {@link #minLen} from the children's current values (a fixpoint step; recursion starts at {@link #INF}). */
    abstract int computeMinLen();

    /** Children, for the fixpoint over the grammar graph. */
    abstract List<Node> children();

    /** Called once after the fixpoint, to precompute tables that depend on the children's {@link #minLen}. */
    void finish() {
    }

    /**
     * Whether nothing can follow a complete value (a closing bracket or quote ends it), so no end-of-generation
     * token is needed after it. Numbers are not: "12" may continue.
     */
    abstract boolean selfDelimiting(java.util.Set<Node> seen);

    static int add(int x, int y) {
        return (int) Math.min((long) x + y, INF);
    }

    /** JSON whitespace between tokens, bounded like llama.cpp's json-schema grammar: one space, or a newline and up to 20 indent characters. */
    static int ws(int w, int b) {
        if (w == 0) {
            return b == ' ' ? 1 : b == '\n' ? 2 : -1;
        }
        if (w >= 2 && w < 22 && (b == ' ' || b == '\t')) {
            return w + 1;
        }
        return -1;
    }
}
