package dev.caravel.model.arch;

import dev.caravel.model.BlockWeights;
import dev.caravel.model.ModelException;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/**
 * Qwen3 (dense): the Llama block without biases, with an RMSNorm over each query and key head
 * ({@code attn_q_norm}, {@code attn_k_norm}, width headDim) applied before NeoX RoPE.
 */
public final class Qwen3Model extends LlamaModel {
    public Qwen3Model(ModelWeights w) {
        super(w, RopeType.NEOX);
        for (int l = 0; l < blocks.length; l++) {
            BlockWeights b = blocks[l];
            if (b.qNorm() == null || b.kNorm() == null) {
                throw new ModelException(w.file().path().getFileName() + ": qwen3 layer " + l + " lacks attn_q_norm / attn_k_norm");
            }
        }
    }
}
