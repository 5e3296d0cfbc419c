package dev.caravel.tools.quantize;

import dev.caravel.format.gguf.GgufMetadata;

/**
 * The few hyper-parameters llama.cpp's per-tensor type rules look at.
 *
 * @param architecture {@code general.architecture} (the rules special-case {@code falcon} and 80-layer {@code llama})
 * @param layers       {@code <arch>.block_count} (0 when absent)
 * @param heads        query heads of the first layer (0 when absent)
 * @param kvHeads      key/value heads of the first layer (= {@code heads} when absent, as llama.cpp)
 * @param experts      {@code <arch>.expert_count} (0 for dense models)
 */
public record ModelParams(String architecture, int layers, int heads, int kvHeads, int experts) {

    /** Reads the parameters from GGUF metadata; missing keys get llama.cpp's defaults. */
    public static ModelParams from(GgufMetadata meta) {
        String arch = meta.string("general.architecture").orElse("");
        int layers = (int) meta.integer(arch + ".block_count").orElse(0L).longValue();
        int heads = firstInt(meta, arch + ".attention.head_count", 0);
        int kvHeads = firstInt(meta, arch + ".attention.head_count_kv", heads);
        int experts = (int) meta.integer(arch + ".expert_count").orElse(0L).longValue();
        return new ModelParams(arch, layers, heads, kvHeads, experts);
    }

    /** Head counts may be per-layer arrays; llama.cpp's {@code n_gqa()} looks at layer 0. */
    private static int firstInt(GgufMetadata meta, String key, int fallback) {
        if (!meta.has(key)) {
            return fallback;
        }
        if (meta.get(key).isArray()) {
            long[] a = meta.intArray(key).orElse(new long[0]);
            return a.length == 0 ? fallback : (int) a[0];
        }
        return (int) meta.requireLong(key);
    }

    /** Query heads per key/value head ({@code n_gqa()}); 0 when unknown. */
    public int gqa() {
        return kvHeads == 0 ? 0 : heads / kvHeads;
    }

    /** llama.cpp's {@code LLM_TYPE_70B}: a llama with 80 layers and grouped-query attention. */
    public boolean is70B() {
        return architecture.equals("llama") && layers == 80 && heads != kvHeads;
    }

    public boolean isFalcon() {
        return architecture.equals("falcon");
    }
}
