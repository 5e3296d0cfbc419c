package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.DecoderState;
import dev.caravel.model.Linear;
import dev.caravel.model.ModelConfig;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.Ops;
import dev.caravel.model.RopeType;
import dev.caravel.tensor.WeightMatrix;

import static dev.caravel.model.ModelWeights.blk;

/**
 * GPT-2: learned absolute positions, pre-LayerNorm (with bias) blocks, fused QKV with bias, GELU
 * MLP, no rotary embedding.
 */
public final class Gpt2Model extends DecoderModel {
    private final WeightMatrix positionEmbedding; // (context, dim)
    private final float[][] attnNormW;
    private final float[][] attnNormB;
    private final Linear[] qkv;                   // (qDim + kvDim + vDim, dim)
    private final Linear[] wo;                    // (dim, qDim)
    private final float[][] ffnNormW;
    private final float[][] ffnNormB;
    private final Linear[] up;                    // (ffn, dim)
    private final Linear[] down;                  // (dim, ffn)

    public Gpt2Model(ModelWeights w) {
        this(ConfigReader.read(w.file().meta(), w, RopeType.NONE, true), w);
    }

    private Gpt2Model(ModelConfig c, ModelWeights w) {
        super(c, w);
        positionEmbedding = w.matrix("position_embd.weight", c.contextLength(), c.dim());
        int n = c.layers();
        attnNormW = new float[n][];
        attnNormB = new float[n][];
        qkv = new Linear[n];
        wo = new Linear[n];
        ffnNormW = new float[n][];
        ffnNormB = new float[n][];
        up = new Linear[n];
        down = new Linear[n];
        for (int l = 0; l < n; l++) {
            attnNormW[l] = w.vector(blk(l, "attn_norm.weight"), c.dim());
            attnNormB[l] = w.vector(blk(l, "attn_norm.bias"), c.dim());
            qkv[l] = Linear.load(w, blk(l, "attn_qkv"), c.qDim() + c.kvDim() + c.vDim(), c.dim());
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            ffnNormW[l] = w.vector(blk(l, "ffn_norm.weight"), c.dim());
            ffnNormB[l] = w.vector(blk(l, "ffn_norm.bias"), c.dim());
            up[l] = Linear.load(w, blk(l, "ffn_up"), c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
        }
    }

    @Override
    protected void embed(DecoderState s, int token, int pos) {
        tokenEmbedding.dequantizeRow(token, s.x, 0);
        positionEmbedding.dequantizeRow(pos, s.xb2, 0);
        Ops.add(s.x, 0, s.xb2, 0, config.dim());
    }

    @Override
    protected void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        Ops.layerNorm(s.xb, 0, s.x, 0, attnNormW[l], attnNormB[l], c.dim(), c.normEps());
        qkv[l].apply(s.xb, 0, s.qkv, 0, s.scratch);
        splitQkv(s);
        attention(l, s, pos, (float) (1.0 / Math.sqrt(c.headDim())), 0f, 0);
        wo[l].apply(s.att, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        Ops.layerNorm(s.xb, 0, s.x, 0, ffnNormW[l], ffnNormB[l], c.dim(), c.normEps());
        up[l].apply(s.xb, 0, s.hb, 0, s.scratch);
        for (int i = 0; i < c.ffnDim(); i++) {
            s.hb[i] = Ops.gelu(s.hb[i]);
        }
        down[l].apply(s.hb, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }

    @Override
    protected void finalNorm(DecoderState s) {
        Ops.layerNorm(s.xb, 0, s.x, 0, outputNorm, outputNormBias, config.dim(), config.normEps());
    }
}
