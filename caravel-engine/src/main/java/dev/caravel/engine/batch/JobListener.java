package dev.caravel.engine.batch;

import dev.caravel.engine.GenerationResult;

/**
 * Receives one job's output. All methods run on the scheduler's thread, between batched steps that
 * all active jobs share: they must return quickly and never block (hand the data to the consumer's
 * own thread, e.g. through a queue). Exactly one of {@link #onComplete} or {@link #onError} ends
 * every job, also a cancelled one.
 */
public interface JobListener {

    /**
     * The prompt has been evaluated ({@code promptLogprobs}: entry {@code i} is prompt token {@code i + 1}
     * given the tokens before it; null when they were not asked for).
     */
    default void onPrompt(int promptTokens, int reusedTokens, TokenLogprobs[] promptLogprobs) {
    }

    /**
     * A generated token and the text that is now final: possibly empty (half a UTF-8 character, or text held
     * back because it may begin a stop string). A final call with {@code token == -1} and null logprobs
     * releases held-back text when the generation ends. End-of-generation tokens are not reported.
     *
     * @return false to cancel the job (the client went away)
     */
    boolean onToken(int token, String text, TokenLogprobs logprobs);

    /** The job ended: {@link dev.caravel.engine.FinishReason#CANCELLED} when cancelled. */
    void onComplete(GenerationResult result);

    /** The job failed: the engine could not run it (the message is meant for the client). */
    void onError(RuntimeException error);
}
