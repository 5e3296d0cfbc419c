package dev.caravel.tools.hub;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Short names ({@code qwen2.5:0.5b}) for a curated set of chat models that Caravel runs, each mapped to a
 * Hub repository of GGUF files. The file is chosen in the repository by its quantization (default
 * {@value #DEFAULT_QUANT}), so the table names repositories only: quantizers name their files differently
 * ({@code qwen2.5-0.5b-instruct-q4_k_m.gguf}, {@code Llama-3.2-1B-Instruct-Q4_K_M.gguf}) and a listing
 * finds either. Repositories whose publisher splits a quantization over several files are replaced by a
 * single-file one (Qwen's own 7B repository splits; bartowski's does not).
 */
public final class ModelRegistry {
    public static final String DEFAULT_QUANT = "Q4_K_M";

    /** One short name: {@code family:size} and the repository it pulls from. */
    public record Entry(String name, String repo, String about) {
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        add("qwen2.5:0.5b", "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "Qwen2.5 0.5B Instruct (default model)");
        add("qwen2.5:1.5b", "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5 1.5B Instruct");
        add("qwen2.5:3b", "Qwen/Qwen2.5-3B-Instruct-GGUF", "Qwen2.5 3B Instruct");
        add("qwen2.5:7b", "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5 7B Instruct");
        add("qwen3:0.6b", "unsloth/Qwen3-0.6B-GGUF", "Qwen3 0.6B");
        add("qwen3:1.7b", "unsloth/Qwen3-1.7B-GGUF", "Qwen3 1.7B");
        add("qwen3:4b", "unsloth/Qwen3-4B-GGUF", "Qwen3 4B");
        add("qwen3:8b", "unsloth/Qwen3-8B-GGUF", "Qwen3 8B");
        add("llama3.2:1b", "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama 3.2 1B Instruct");
        add("llama3.2:3b", "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama 3.2 3B Instruct");
        add("smollm2:135m", "bartowski/SmolLM2-135M-Instruct-GGUF", "SmolLM2 135M Instruct");
        add("smollm2:360m", "bartowski/SmolLM2-360M-Instruct-GGUF", "SmolLM2 360M Instruct");
        add("smollm2:1.7b", "HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF", "SmolLM2 1.7B Instruct");
        add("glm4:9b", "bartowski/THUDM_GLM-4-9B-0414-GGUF", "GLM-4 9B 0414");
        add("gemma2:2b", "bartowski/gemma-2-2b-it-GGUF", "Gemma 2 2B it");
        add("gemma2:9b", "bartowski/gemma-2-9b-it-GGUF", "Gemma 2 9B it");
        add("phi3.5:mini", "bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5 mini instruct (3.8B)");
        add("phi4:mini", "bartowski/microsoft_Phi-4-mini-instruct-GGUF", "Phi-4 mini instruct (3.8B)");
        add("mistral:7b", "bartowski/Mistral-7B-Instruct-v0.3-GGUF", "Mistral 7B Instruct v0.3");
        add("tinyllama:1.1b", "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF", "TinyLlama 1.1B Chat v1.0");
    }

    private ModelRegistry() {
    }

    private static void add(String name, String repo, String about) {
        ENTRIES.put(name, new Entry(name, repo, about));
    }

    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    public static Optional<Entry> get(String name) {
        return Optional.ofNullable(ENTRIES.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The short name that pulls {@code repo} at {@code quant}, e.g. {@code qwen2.5:0.5b-q8_0}; empty if none. */
    public static Optional<String> shortName(String repo, String quant) {
        for (Entry e : ENTRIES.values()) {
            if (e.repo().equalsIgnoreCase(repo)) {
                if (quant == null) {
                    return Optional.empty();
                }
                return Optional.of(quant.equalsIgnoreCase(DEFAULT_QUANT) ? e.name()
                        : e.name() + "-" + quant.toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    /** "qwen2.5:0.5b, qwen2.5:1.5b, …" for error messages. */
    public static String names() {
        return String.join(", ", new ArrayList<>(ENTRIES.keySet()));
    }
}
