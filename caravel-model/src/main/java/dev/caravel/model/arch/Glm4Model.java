package dev.caravel.model.arch;

import dev.caravel.model.BlockWeights;
import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.ModelException;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/**
 * GLM-4-0414 (GGUF {@code glm4}): the ChatGLM block (partial rotary on adjacent pairs, fused
 * gate+up SwiGLU) plus RMSNorms on the attention output and the MLP output before each residual
 * add ({@code post_attention_norm}, {@code post_ffw_norm}), which the file must have.
 */
public final class Glm4Model extends DecoderModel {
    public Glm4Model(ModelWeights w) {
        super(ConfigReader.read(w.file().meta(), w, RopeType.NORM, true), w);
        for (int l = 0; l < blocks.length; l++) {
            BlockWeights b = blocks[l];
            if (b.attnPostNorm() == null || b.ffnPostNorm() == null) {
                throw new ModelException(w.file().path().getFileName() + ": glm4 layer " + l + " lacks post_attention_norm / post_ffw_norm");
            }
        }
    }
}
