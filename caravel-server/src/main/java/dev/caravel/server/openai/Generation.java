package dev.caravel.server.openai;

import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.batch.BatchJob;
import dev.caravel.engine.batch.BatchScheduler;
import dev.caravel.engine.batch.JobHandle;
import dev.caravel.engine.batch.JobListener;
import dev.caravel.engine.batch.TokenLogprobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The jobs of one request (one per choice) and the single queue through which their listeners hand
 * events to the request's thread. Listeners run on the scheduler's thread and only enqueue, so they
 * never block it; the request's thread takes events in order and does all formatting and writing.
 */
public final class Generation {
    public sealed interface Event {
        int index();
    }

    public record Prompt(int index, int promptTokens, int reusedTokens, TokenLogprobs[] promptLogprobs) implements Event {
    }

    /** A generated token ({@code token == -1}: held-back text released at the end) and its final text. */
    public record Token(int index, int token, String text, TokenLogprobs logprobs) implements Event {
    }

    public record Done(int index, GenerationResult result) implements Event {
    }

    public record Failed(int index, RuntimeException error) implements Event {
    }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<JobHandle> handles = new ArrayList<>();
    private volatile boolean cancelled;
    private int open;
    private Runnable onFirstToken;

    /**
     * Submits {@code count} jobs built by {@code job} (given the choice index and the listener to use). If one
     * is refused (queue full, context overflow), the ones already queued are cancelled and the error propagates.
     *
     * @param onFirstToken runs once, on the request's thread, when {@link #next} hands out the first generated token
     *                     of any choice (time to first token)
     */
    public static Generation submit(BatchScheduler scheduler, int count, JobFactory job, Runnable onFirstToken) {
        Generation g = new Generation();
        g.onFirstToken = onFirstToken;
        try {
            for (int i = 0; i < count; i++) {
                g.handles.add(scheduler.submit(job.create(i, g.listener(i))));
                g.open++;
            }
        } catch (RuntimeException e) {
            g.cancel();
            throw e;
        }
        return g;
    }

    @FunctionalInterface
    public interface JobFactory {
        BatchJob create(int index, JobListener listener);
    }

    private JobListener listener(int index) {
        return new JobListener() {
            @Override
            public void onPrompt(int promptTokens, int reusedTokens, TokenLogprobs[] promptLogprobs) {
                events.add(new Prompt(index, promptTokens, reusedTokens, promptLogprobs));
            }

            @Override
            public boolean onToken(int token, String text, TokenLogprobs logprobs) {
                events.add(new Token(index, token, text, logprobs));
                return !cancelled;
            }

            @Override
            public void onComplete(GenerationResult result) {
                events.add(new Done(index, result));
            }

            @Override
            public void onError(RuntimeException error) {
                events.add(new Failed(index, error));
            }
        };
    }

    /** Whether some job has not ended yet. */
    public boolean running() {
        return open > 0;
    }

    /** The next event, waiting for it; counts the jobs that have ended. */
    public Event next() throws InterruptedException {
        return counted(events.take());
    }

    /** The next event, or null when none comes within {@code nanos}. */
    public Event next(long nanos) throws InterruptedException {
        Event e = events.poll(nanos, TimeUnit.NANOSECONDS);
        return e == null ? null : counted(e);
    }

    private Event counted(Event e) {
        if (e instanceof Done || e instanceof Failed) {
            open--;
        } else if (onFirstToken != null && e instanceof Token t && t.token() >= 0) {
            Runnable first = onFirstToken;
            onFirstToken = null;
            first.run();
        }
        return e;
    }

    /** Writes a response from this generation's events. */
    @FunctionalInterface
    public interface Writer {
        void write() throws java.io.IOException, InterruptedException;
    }

    /**
     * Runs {@code writer}; whatever is still generating when it ends (the client went away, a write failed, an
     * error) is cancelled, so its slot is free at the next step.
     */
    public void respond(Writer writer) throws java.io.IOException {
        try {
            writer.write();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted", e);
        } finally {
            if (running()) {
                cancel();
            }
        }
    }

    /** Stops every job at its next step (the client went away, or one choice failed). */
    public void cancel() {
        cancelled = true;
        for (JobHandle h : handles) {
            h.cancel();
        }
    }

    /** Maps each choice index to something, e.g. per-choice state. */
    public static <T> List<T> perChoice(int n, IntFunction<T> f) {
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(f.apply(i));
        }
        return out;
    }
}
