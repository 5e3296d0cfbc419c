package dev.caravel.model.arch;

import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/** Qwen2 / Qwen2.5: the Llama block with Q/K/V biases and NeoX-style (half-split) RoPE. */
public final class Qwen2Model extends LlamaModel {
    public Qwen2Model(ModelWeights w) {
        super(w, RopeType.NEOX);
    }
}
