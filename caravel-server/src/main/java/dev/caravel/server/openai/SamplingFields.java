package dev.caravel.server.openai;

import dev.caravel.engine.SamplingParams;

import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's sampling fields mapped onto {@link SamplingParams}: OpenAI's defaults (temperature 1, top_p 1),
 * no top-k or min-p cut (OpenAI has neither), penalties over the last 64 tokens as llama.cpp's server
 * applies them, and a random seed unless the client gives one.
 *
 * <p>Also llama.cpp server's extensions that clients written for it send ({@link #EXTENSIONS}): {@code top_k},
 * {@code min_p}, {@code repeat_penalty} and {@code ignore_eos} (generate until the token limit, as benchmarks do).
 */
record SamplingFields(float temperature, float topP, float presence, float frequency, long seed, int topK, float minP,
                      float repeatPenalty, boolean ignoreEos) {

    /** Request fields beyond OpenAI's that llama.cpp's server accepts and this one does too. */
    static final java.util.Set<String> EXTENSIONS = java.util.Set.of("top_k", "min_p", "repeat_penalty", "ignore_eos");

    static SamplingFields read(Fields f) {
        float temperature = (float) f.number("temperature", 1, 0, 2);
        float topP = (float) f.number("top_p", 1, 0, 1);
        float presence = (float) f.number("presence_penalty", 0, -2, 2);
        float frequency = (float) f.number("frequency_penalty", 0, -2, 2);
        long seed = f.has("seed") ? f.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : ThreadLocalRandom.current().nextLong();
        int topK = (int) f.integer("top_k", 0, 0, 1_000_000);
        float minP = (float) f.number("min_p", 0, 0, 1);
        float repeat = (float) f.number("repeat_penalty", 1, 0.01, 10);
        boolean ignoreEos = f.bool("ignore_eos", false);
        return new SamplingFields(temperature, topP, presence, frequency, seed, topK, minP, repeat, ignoreEos);
    }

    /** The parameters of choice {@code i}: choices differ by seed only ({@code seed + i}). */
    SamplingParams params(int i) {
        // top_p 0 keeps only the most likely token: that is greedy decoding.
        float t = topP == 0 ? 0 : temperature;
        float p = topP == 0 ? 1 : topP;
        return new SamplingParams(t, topK, p, minP, repeatPenalty, 64, frequency, presence, seed + i).validate();
    }
}
