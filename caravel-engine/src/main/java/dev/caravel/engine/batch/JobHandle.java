package dev.caravel.engine.batch;

/** A submitted job: lets its owner cancel it. Thread-safe. */
public final class JobHandle {
    final BatchJob job;
    private volatile boolean cancelled;
    private volatile boolean done;

    JobHandle(BatchJob job) {
        this.job = job;
    }

    /**
     * Asks the scheduler to stop the job at its next step; its slot is then free for others and the listener
     * gets {@code onComplete} with finish reason {@code CANCELLED}. No effect once the job has ended.
     */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Whether the listener has had its final call. */
    public boolean isDone() {
        return done;
    }

    void markDone() {
        done = true;
    }
}
