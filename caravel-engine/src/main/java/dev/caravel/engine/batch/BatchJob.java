package dev.caravel.engine.batch;

import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.TokenConstraint;

import java.util.Objects;

/**
 * One generation submitted to a {@link BatchScheduler}.
 *
 * @param prompt         prompt token ids (not empty)
 * @param request        token budget, sampling, stop strings
 * @param logprobs       -1: no log-probabilities; 0: the chosen token's; k &gt; 0: also the k most likely
 *                       alternatives at each step (at most {@link #MAX_TOP_LOGPROBS})
 * @param promptLogprobs also report the log-probability of every prompt token after the first (the prompt
 *                       is then computed in full, never served from a cached prefix)
 * @param constraint     restricts the output's form, or null
 * @param listener       receives the output; called on the scheduler's thread
 */
public record BatchJob(int[] prompt, GenerationRequest request, int logprobs, boolean promptLogprobs,
                       TokenConstraint constraint, JobListener listener) {
    /** The most alternatives reported per token (OpenAI allows 20). */
    public static final int MAX_TOP_LOGPROBS = 20;

    public BatchJob {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (logprobs < -1 || logprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("logprobs must be in -1.." + MAX_TOP_LOGPROBS + ", got " + logprobs);
        }
        request.sampling().validate();
        prompt = prompt.clone();
    }

    /** A plain generation: no log-probabilities, no constraint. */
    public static BatchJob of(int[] prompt, GenerationRequest request, JobListener listener) {
        return new BatchJob(prompt, request, -1, false, null, listener);
    }
}
