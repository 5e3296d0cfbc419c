package dev.caravel.cli;

import dev.caravel.engine.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling flags shared by {@code run} and {@code chat}; defaults are llama.cpp's. */
final class SamplingOptions {
    @Option(names = "--temp", description = "Temperature; 0 = greedy (default ${DEFAULT-VALUE}).", defaultValue = "0.8")
    float temperature;

    @Option(names = "--top-k", description = "Top-k; 0 = off (default ${DEFAULT-VALUE}).", defaultValue = "40")
    int topK;

    @Option(names = "--top-p", description = "Top-p (nucleus); 1 = off (default ${DEFAULT-VALUE}).", defaultValue = "0.95")
    float topP;

    @Option(names = "--min-p", description = "Min-p; 0 = off (default ${DEFAULT-VALUE}).", defaultValue = "0.05")
    float minP;

    @Option(names = "--repeat-penalty", description = "Repetition penalty; 1 = off (default ${DEFAULT-VALUE}).", defaultValue = "1.0")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", description = "Tokens the penalties look back at (default ${DEFAULT-VALUE}).", defaultValue = "64")
    int repeatLastN;

    @Option(names = "--frequency-penalty", description = "Frequency penalty (default ${DEFAULT-VALUE}).", defaultValue = "0")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", description = "Presence penalty (default ${DEFAULT-VALUE}).", defaultValue = "0")
    float presencePenalty;

    @Option(names = {"-s", "--seed"}, description = "Random seed: same seed, same output (default: random).")
    Long seed;

    SamplingParams params() {
        long s = seed != null ? seed : System.nanoTime();
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, s).validate();
    }
}
