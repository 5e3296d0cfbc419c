package dev.caravel.model;

import dev.caravel.format.gguf.GgufMetadata;

/**
 * Reads {@link ModelConfig} from the {@code <arch>.*} metadata keys llama.cpp's converters write.
 */
public final class ConfigReader {
    private static final int MAX = 1 << 24;

    private ConfigReader() {
    }

    public static ModelConfig read(GgufMetadata meta, ModelWeights weights, RopeType ropeType, boolean causal) {
        String a = meta.architecture();
        int dim = meta.requireInt(a + ".embedding_length", 1, MAX);
        int layers = meta.requireInt(a + ".block_count", 1, 4096);
        int heads = meta.requireInt(a + ".attention.head_count", 1, 4096);
        int kvHeads = meta.intOr(a + ".attention.head_count_kv", heads, 1, heads);
        if (heads % kvHeads != 0) {
            throw new ModelException(meta.fileName() + ": " + heads + " query heads cannot be shared by " + kvHeads + " key/value heads");
        }
        int headDim = meta.intOr(a + ".attention.key_length", dim / heads, 1, MAX);
        int valueDim = meta.intOr(a + ".attention.value_length", headDim, 1, MAX);
        int ffn = meta.intOr(a + ".feed_forward_length", 4 * dim, 1, MAX);
        int context = meta.intOr(a + ".context_length", 2048, 1, 1 << 24);
        float eps = meta.floatOr(a + ".attention.layer_norm_rms_epsilon",
                meta.floatOr(a + ".attention.layer_norm_epsilon", 1e-5f));
        int ropeDim = meta.intOr(a + ".rope.dimension_count", headDim, 0, headDim);
        if (ropeType != RopeType.NONE && ropeDim % 2 != 0) {
            throw new ModelException(meta.fileName() + ": rope dimension " + ropeDim + " is odd");
        }
        float theta = meta.floatOr(a + ".rope.freq_base", 10000f);
        float scale = 1f;
        String scalingType = meta.string(a + ".rope.scaling.type").orElse("none");
        float factor = meta.floatOr(a + ".rope.scaling.factor", 0f);
        if ("linear".equals(scalingType) && factor > 0) {
            scale = 1f / factor;
        } else if (!"none".equals(scalingType) && !"linear".equals(scalingType) && factor > 1f) {
            throw new ModelException(meta.fileName() + ": rope scaling '" + scalingType + "' is not supported yet");
        }
        int vocab = weights.rowsOf("token_embd.weight");
        return new ModelConfig(a, dim, layers, heads, kvHeads, headDim, valueDim, ffn, vocab, context, eps,
                ropeType, ropeDim, theta, scale, causal);
    }
}
