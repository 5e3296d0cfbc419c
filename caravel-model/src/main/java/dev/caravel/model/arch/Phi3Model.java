package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.RopeType;

/**
 * Phi-3 / Phi-3.5: RMSNorm, fused QKV, NeoX RoPE (with LongRoPE factors when present), fused
 * gate+up SwiGLU, and sliding-window attention when the file sets {@code phi3.attention.sliding_window}.
 */
public final class Phi3Model extends DecoderModel {
    private final int window;

    public Phi3Model(ModelWeights w) {
        super(ConfigReader.read(w.file().meta(), w, RopeType.NEOX, true), w);
        window = w.file().meta().intOr("phi3.attention.sliding_window", 0, 0, Integer.MAX_VALUE);
    }

    @Override
    protected int attentionWindow(int layer) {
        return window;
    }
}
