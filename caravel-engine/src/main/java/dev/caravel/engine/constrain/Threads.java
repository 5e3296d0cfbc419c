package dev.caravel.engine.constrain;

/**
 * The alternative stacks a matcher is in after some bytes (usually one; several while an anyOf, an
 * enum or a number's end is still ambiguous). A fixed-size buffer, reused across steps: beyond
 * {@link #MAX} alternatives the extra ones are dropped, which only narrows what may be generated.
 */
final class Threads {
    static final int MAX = 64;
    final Frame[] items = new Frame[MAX];
    int size;

    void add(Frame f) {
        if (size < MAX) {
            items[size++] = f;
        }
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            items[i] = null;
        }
        size = 0;
    }

    void copyFrom(Threads other) {
        clear();
        System.arraycopy(other.items, 0, items, 0, other.size);
        size = other.size;
    }

    /** Feeds byte {@code b} (0..255) to every stack of {@code this}, collecting the survivors in {@code out}. */
    void feedAll(int b, Threads out) {
        out.clear();
        for (int i = 0; i < size; i++) {
            Node.feed(items[i], b, out);
        }
    }

    boolean canFinish() {
        for (int i = 0; i < size; i++) {
            if (items[i].canFinish()) {
                return true;
            }
        }
        return false;
    }

    int bytesToFinish() {
        int best = Node.INF;
        for (int i = 0; i < size; i++) {
            best = Math.min(best, items[i].bytesToFinish());
        }
        return best;
    }
}
