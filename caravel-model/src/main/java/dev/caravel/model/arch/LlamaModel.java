package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/**
 * Llama 1/2/3, Mistral, TinyLlama, SmolLM and other {@code llama}-architecture GGUFs: RMSNorm,
 * RoPE on adjacent pairs (the converter permuted Q/K rows for it), SwiGLU MLP; optional Q/K/V
 * biases and tied output are picked up from the file.
 */
public class LlamaModel extends DecoderModel {
    public LlamaModel(ModelWeights w) {
        this(w, RopeType.NORM);
    }

    protected LlamaModel(ModelWeights w, RopeType ropeType) {
        super(ConfigReader.read(w.file().meta(), w, ropeType, true), w);
    }
}
