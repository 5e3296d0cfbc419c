package dev.caravel.engine.batch;

/**
 * Log-probabilities from raw logits: {@code log softmax(logits)[token]} and the k most likely tokens.
 * The normalizer is summed in double so long vocabularies lose nothing to rounding.
 */
final class Logprobs {
    private Logprobs() {
    }

    /** {@code log Σ exp(logits[i])} over {@code 0..vocab-1}, computed around the maximum. */
    static double logSumExp(float[] logits, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /**
     * The log-probability of {@code token} and of the {@code k} most likely tokens (ties: lower id first).
     */
    static TokenLogprobs of(float[] logits, int offset, int vocab, int token, int k) {
        double norm = logSumExp(logits, offset, vocab);
        int[] top = new int[Math.max(0, k)];
        float[] topLogits = new float[top.length];
        int filled = 0;
        for (int i = 0; i < vocab && k > 0; i++) {
            float v = logits[offset + i];
            if (filled == k && !(v > topLogits[k - 1])) {
                continue;
            }
            // Insert v keeping the list sorted, most likely first.
            int at = filled == k ? k - 1 : filled++;
            while (at > 0 && v > topLogits[at - 1]) {
                topLogits[at] = topLogits[at - 1];
                top[at] = top[at - 1];
                at--;
            }
            topLogits[at] = v;
            top[at] = i;
        }
        float[] topLp = new float[filled];
        for (int i = 0; i < filled; i++) {
            topLp[i] = (float) (topLogits[i] - norm);
        }
        int[] ids = filled == top.length ? top : java.util.Arrays.copyOf(top, filled);
        return new TokenLogprobs(token, (float) (logits[offset + token] - norm), ids, topLp);
    }
}
