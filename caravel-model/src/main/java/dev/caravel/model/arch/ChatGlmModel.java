package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.DecoderState;
import dev.caravel.model.Linear;
import dev.caravel.model.ModelConfig;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.Ops;
import dev.caravel.model.RopeType;

import static dev.caravel.model.ModelWeights.blk;

/**
 * ChatGLM / GLM-4 (llama.cpp's {@code chatglm} architecture): RMSNorm, fused QKV with bias,
 * rotary embedding on part of each head only (adjacent pairs), and a fused gate+up projection
 * whose first half is the SiLU gate and second half the linear unit.
 */
public final class ChatGlmModel extends DecoderModel {
    private final float[][] attnNorm;
    private final Linear[] qkv;      // (qDim + kvDim + vDim, dim)
    private final Linear[] wo;       // (dim, qDim)
    private final float[][] ffnNorm;
    private final Linear[] gateUp;   // (2 * ffn, dim)
    private final Linear[] down;     // (dim, ffn)

    public ChatGlmModel(ModelWeights w) {
        this(ConfigReader.read(w.file().meta(), w, RopeType.NORM, true), w);
    }

    private ChatGlmModel(ModelConfig c, ModelWeights w) {
        super(c, w);
        int n = c.layers();
        attnNorm = new float[n][];
        qkv = new Linear[n];
        wo = new Linear[n];
        ffnNorm = new float[n][];
        gateUp = new Linear[n];
        down = new Linear[n];
        for (int l = 0; l < n; l++) {
            attnNorm[l] = w.vector(blk(l, "attn_norm.weight"), c.dim());
            qkv[l] = Linear.load(w, blk(l, "attn_qkv"), c.qDim() + c.kvDim() + c.vDim(), c.dim());
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            ffnNorm[l] = w.vector(blk(l, "ffn_norm.weight"), c.dim());
            gateUp[l] = Linear.load(w, blk(l, "ffn_up"), 2 * c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
        }
    }

    @Override
    protected void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        Ops.rmsNorm(s.xb, 0, s.x, 0, attnNorm[l], c.dim(), c.normEps());
        qkv[l].apply(s.xb, 0, s.qkv, 0, s.scratch);
        splitQkv(s);
        rope.apply(s.q, 0, c.heads(), c.headDim(), pos);
        rope.apply(s.k, 0, c.kvHeads(), c.headDim(), pos);
        attention(l, s, pos, (float) (1.0 / Math.sqrt(c.headDim())), 0f, 0);
        wo[l].apply(s.att, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        Ops.rmsNorm(s.xb, 0, s.x, 0, ffnNorm[l], c.dim(), c.normEps());
        gateUp[l].apply(s.xb, 0, s.hb, 0, s.scratch);
        Ops.swiglu(s.hb, 0, s.hb, c.ffnDim(), c.ffnDim());
        down[l].apply(s.hb, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }
}
