package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.DecoderState;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.Ops;
import dev.caravel.model.RopeType;
import dev.caravel.tensor.WeightMatrix;

/**
 * GPT-2: learned absolute positions added to the token embedding, pre-LayerNorm blocks with
 * biases, fused QKV, GELU MLP, no rotary embedding.
 */
public final class Gpt2Model extends DecoderModel {
    private final WeightMatrix positionEmbedding; // (context, dim)

    public Gpt2Model(ModelWeights w) {
        super(ConfigReader.read(w.file().meta(), w, RopeType.NONE, true), w);
        positionEmbedding = w.matrix("position_embd.weight", config.contextLength(), config.dim());
    }

    @Override
    protected void embed(DecoderState s, int token, int pos, int row) {
        int off = row * config.dim();
        tokenEmbedding.dequantizeRow(token, s.x, off);
        positionEmbedding.dequantizeRow(pos, s.xb2, off);
        Ops.add(s.x, off, s.xb2, off, config.dim());
    }

    @Override
    protected boolean layerNorm() {
        return true;
    }

    @Override
    protected Activation activation() {
        return Activation.GELU;
    }
}
