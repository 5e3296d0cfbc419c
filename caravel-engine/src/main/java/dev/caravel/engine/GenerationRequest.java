package dev.caravel.engine;

import java.util.List;

/**
 * What to generate after a prompt.
 *
 * @param maxTokens  stop after this many generated tokens (&lt; 0: until the context is full)
 * @param sampling   how tokens are chosen
 * @param stop       stop strings: generation ends before the first occurrence, which is not returned
 * @param ignoreEos  keep going past end-of-generation tokens
 */
public record GenerationRequest(int maxTokens, SamplingParams sampling, List<String> stop, boolean ignoreEos) {
    public GenerationRequest {
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    public static GenerationRequest of(int maxTokens, SamplingParams sampling) {
        return new GenerationRequest(maxTokens, sampling, List.of(), false);
    }
}
