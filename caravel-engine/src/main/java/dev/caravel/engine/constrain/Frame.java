package dev.caravel.engine.constrain;

/**
 * One level of a matcher stack: a grammar node and its state. Immutable, so a stack is shared by every
 * state derived from it and the token-trie walk backtracks for free (it just drops the newer frames).
 * The meaning of {@code a}, {@code b} and {@code v} belongs to the node.
 */
final class Frame {
    final Node node;
    final int a;
    final int b;
    final long v;
    /** The frame this node returns to when its value is complete; null at the root. */
    final Frame parent;

    Frame(Node node, int a, int b, long v, Frame parent) {
        this.node = node;
        this.a = a;
        this.b = b;
        this.v = v;
        this.parent = parent;
    }

    /** Whether the whole stack may end here: every node from this one down to the root is complete. */
    boolean canFinish() {
        for (Frame f = this; f != null; f = f.parent) {
            if (!f.node.canEnd(f)) {
                return false;
            }
        }
        return true;
    }

    /** The fewest bytes that complete the whole stack. */
    int bytesToFinish() {
        long sum = 0;
        for (Frame f = this; f != null; f = f.parent) {
            sum += f.node.remaining(f);
        }
        return (int) Math.min(sum, Node.INF);
    }
}
