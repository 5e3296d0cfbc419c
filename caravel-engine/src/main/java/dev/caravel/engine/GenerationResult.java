package dev.caravel.engine;

/**
 * The outcome of one generation.
 *
 * @param text           generated text, stop string excluded
 * @param tokens         generated token ids (including a final end-of-generation token, if any)
 * @param promptTokens   prompt length
 * @param reusedTokens   prompt tokens served from the cache
 * @param prefillNanos   time spent on the prompt
 * @param decodeNanos    time spent generating
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, int promptTokens, int reusedTokens,
                               long prefillNanos, long decodeNanos) {

    public double prefillTokensPerSecond() {
        int n = promptTokens - reusedTokens;
        return prefillNanos <= 0 ? 0 : n * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos <= 0 ? 0 : tokens.length * 1e9 / decodeNanos;
    }
}
