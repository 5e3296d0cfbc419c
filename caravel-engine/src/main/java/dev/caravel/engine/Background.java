package dev.caravel.engine;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work started on another thread during start-up (model file parsing, tokenizer building). */
public final class Background {
    private Background() {
    }

    /**
     * The task's value, or the exception it threw, unwrapped: callers see the same exception types as if they had
     * done the work themselves. Waits through interrupts and restores the interrupt flag afterwards.
     */
    public static <T> T await(Future<T> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    switch (e.getCause()) {
                        case RuntimeException r -> throw r;
                        case Error r -> throw r;
                        default -> throw new IllegalStateException(e.getCause());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
