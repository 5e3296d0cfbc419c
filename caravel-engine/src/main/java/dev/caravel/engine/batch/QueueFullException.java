package dev.caravel.engine.batch;

/** The scheduler's queue of waiting jobs is full: the caller should retry later (HTTP 429). */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(int limit) {
        super("the server is busy: " + limit + " requests are already waiting; retry later");
    }
}
