package dev.caravel.engine;

/**
 * How the next token is chosen. Defaults follow llama.cpp's ({@code temperature 0.8, top-k 40,
 * top-p 0.95, min-p 0.05}, no penalties).
 *
 * @param temperature      0 or less: greedy (argmax)
 * @param topK             keep the k most likely tokens; 0 or less: all
 * @param topP             nucleus: smallest set with cumulative probability ≥ p; 1: off
 * @param minP             drop tokens with probability below minP × the top probability; 0: off
 * @param repeatPenalty    divide positive (multiply negative) logits of recent tokens; 1: off
 * @param repeatLastN      how many recent tokens the penalties look at
 * @param frequencyPenalty subtract count × this from recent tokens' logits
 * @param presencePenalty  subtract this once from every recent token's logit
 * @param seed             random seed; the same seed and inputs give the same output
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                             int repeatLastN, float frequencyPenalty, float presencePenalty, long seed) {

    public static final long DEFAULT_SEED = 0x5EEDL;

    public static SamplingParams defaults() {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0f, 0f, DEFAULT_SEED);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 64, 0f, 0f, DEFAULT_SEED);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withPenalties(float repeat, int lastN, float frequency, float presence) {
        return new SamplingParams(temperature, topK, topP, minP, repeat, lastN, frequency, presence, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, s);
    }

    /** Checks ranges; throws {@link IllegalArgumentException} naming the bad parameter. */
    public SamplingParams validate() {
        check(Float.isFinite(temperature) && temperature >= 0, "temperature must be ≥ 0, got " + temperature);
        check(topP > 0 && topP <= 1, "top-p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min-p must be in [0, 1], got " + minP);
        check(Float.isFinite(repeatPenalty) && repeatPenalty > 0, "repeat penalty must be > 0, got " + repeatPenalty);
        check(repeatLastN >= 0, "repeat-last-n must be ≥ 0, got " + repeatLastN);
        check(Float.isFinite(frequencyPenalty) && Math.abs(frequencyPenalty) <= 2, "frequency penalty must be in [-2, 2], got " + frequencyPenalty);
        check(Float.isFinite(presencePenalty) && Math.abs(presencePenalty) <= 2, "presence penalty must be in [-2, 2], got " + presencePenalty);
        return this;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
