package dev.caravel.server.openai;

import dev.caravel.engine.SamplingParams;

import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's sampling fields mapped onto {@link SamplingParams}: OpenAI's defaults (temperature 1, top_p 1),
 * no top-k or min-p cut (OpenAI has neither), penalties over the last 64 tokens as llama.cpp's server
 * applies them, and a random seed unless the client gives one.
 */
record SamplingFields(float temperature, float topP, float presence, float frequency, long seed) {

    static SamplingFields read(Fields f) {
        float temperature = (float) f.number("temperature", 1, 0, 2);
        float topP = (float) f.number("top_p", 1, 0, 1);
        float presence = (float) f.number("presence_penalty", 0, -2, 2);
        float frequency = (float) f.number("frequency_penalty", 0, -2, 2);
        long seed = f.has("seed") ? f.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : ThreadLocalRandom.current().nextLong();
        return new SamplingFields(temperature, topP, presence, frequency, seed);
    }

    /** The parameters of choice {@code i}: choices differ by seed only ({@code seed + i}). */
    SamplingParams params(int i) {
        // top_p 0 keeps only the most likely token: that is greedy decoding.
        float t = topP == 0 ? 0 : temperature;
        float p = topP == 0 ? 1 : topP;
        return new SamplingParams(t, 0, p, 0f, 1f, 64, frequency, presence, seed + i).validate();
    }
}
