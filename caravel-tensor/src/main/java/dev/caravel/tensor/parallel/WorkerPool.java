package dev.caravel.tensor.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that split one piece of work at a time: {@link #run} hands the
 * same {@link Task} to every worker with its index and returns when all are done.
 *
 * <p>Built for the decode loop: hundreds of small dispatches per token, so nothing is allocated
 * per dispatch and threads are never created after construction. The calling thread does share
 * 0 itself; the others spin briefly (a dispatch usually follows within microseconds) and then
 * park. One dispatch at a time: {@link #run} is not re-entrant and must be called from one thread
 * at a time (each sequence owns its pool, or callers serialize).
 */
public final class WorkerPool implements AutoCloseable {

    /** One parallel step; {@code worker} is in {@code [0, workers)}. Must not throw. */
    @FunctionalInterface
    public interface Task {
        void run(int worker, int workers);
    }

    private static final int SPINS_BEFORE_PARK = 20_000;

    private final int size;
    private final Thread[] threads;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task task;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    /** @param threads total threads including the caller; 1 means everything runs on the caller */
    public WorkerPool(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("thread count must be in 1..1024, got " + threads);
        }
        this.size = threads;
        this.threads = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> workerLoop(index), "caravel-worker-" + i);
            t.setDaemon(true);
            this.threads[i - 1] = t;
            t.start();
        }
    }

    /** Threads that share the work, the caller included. */
    public int size() {
        return size;
    }

    /** Runs {@code t} on every worker (the caller as worker 0) and waits for all of them. */
    public void run(Task t) {
        if (size == 1) {
            t.run(0, 1);
            return;
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        task = t;
        pending.set(size - 1);
        generation++; // volatile write publishes task and pending
        for (Thread worker : threads) {
            LockSupport.unpark(worker);
        }
        t.run(0, size);
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        task = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            throw new IllegalStateException("a worker failed: " + f, f);
        }
    }

    /** Work made of independent items: {@link #run(int, int)} computes item {@code item} on worker {@code worker}. */
    public interface Items {
        void run(int item, int worker);
    }

    /**
     * Runs items {@code 0..count-1} of {@code items} on every worker, each item once, and waits: the workers claim
     * items one at a time from a shared counter, so items of unequal cost (attention rows of different lengths)
     * spread evenly. An item must give the same result whichever worker computes it. Allocates nothing.
     */
    public void runEach(int count, Items items) {
        if (size == 1) {
            for (int i = 0; i < count; i++) {
                items.run(i, 0);
            }
            return;
        }
        claimed.items = items;
        claimed.count = count;
        claimed.next.set(0);
        try {
            run(claimed);
        } finally {
            claimed.items = null;
        }
    }

    private final ClaimedItems claimed = new ClaimedItems();

    /** The task behind {@link #runEach}; its fields are set before each dispatch, which publishes them. */
    private static final class ClaimedItems implements Task {
        Items items;
        int count;
        final AtomicInteger next = new AtomicInteger();

        @Override
        public void run(int worker, int workers) {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                items.run(i, worker);
            }
        }
    }

    private void workerLoop(int index) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                task.run(index, size);
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }

    /** A pool sized to the machine's cores. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
