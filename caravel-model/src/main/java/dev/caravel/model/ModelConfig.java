package dev.caravel.model;

/**
 * Hyper-parameters of a Transformer, read from GGUF metadata ({@code <arch>.*} keys).
 *
 * @param architecture   GGUF {@code general.architecture}
 * @param dim            embedding width ({@code embedding_length})
 * @param layers         number of blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim        width of one query/key head ({@code attention.key_length}, default dim/heads)
 * @param valueDim       width of one value head ({@code attention.value_length}, default headDim)
 * @param ffnDim         hidden width of the feed-forward block
 * @param vocabSize      number of rows of the token embedding
 * @param contextLength  training context ({@code context_length})
 * @param normEps        epsilon of RMSNorm or LayerNorm
 * @param ropeType       rotary pairing
 * @param ropeDim        rotated dimensions per head ({@code rope.dimension_count}, default headDim)
 * @param ropeTheta      rotary base frequency
 * @param ropeScale      linear position scale (1 / {@code rope.scaling.factor}; 1 when absent)
 * @param causal         decoder (true) or encoder (false)
 */
public record ModelConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int valueDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float normEps,
        RopeType ropeType,
        int ropeDim,
        float ropeTheta,
        float ropeScale,
        boolean causal) {

    /** Width of all query heads together. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of all key heads together. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Width of all value heads together. */
    public int vDim() {
        return kvHeads * valueDim;
    }
}
