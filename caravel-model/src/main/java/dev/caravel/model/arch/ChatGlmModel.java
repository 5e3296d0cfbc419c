package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/**
 * ChatGLM / GLM-4 as llama.cpp's {@code chatglm} architecture: RMSNorm, fused QKV with bias,
 * rotary embedding on the first {@code rope.dimension_count} dimensions of each head only (adjacent
 * pairs), and a fused gate+up SwiGLU ({@code ffn_up} holds gate then up).
 */
public final class ChatGlmModel extends DecoderModel {
    public ChatGlmModel(ModelWeights w) {
        super(ConfigReader.read(w.file().meta(), w, RopeType.NORM, true), w);
    }
}
