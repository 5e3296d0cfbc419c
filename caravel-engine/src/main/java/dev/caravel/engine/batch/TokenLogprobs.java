package dev.caravel.engine.batch;

/**
 * The log-probability of one token under the model's distribution (the softmax of the raw logits,
 * before penalties, temperature or constraints), with the most likely alternatives at that step.
 *
 * @param token       the token chosen (generated) or given (prompt)
 * @param logprob     its natural-log probability
 * @param topTokens   the most likely tokens, most likely first (empty when none were asked for)
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {
}
