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
 * Phi-3 / Phi-3.5: RMSNorm, fused QKV ({@code attn_qkv}, or separate Q/K/V in some conversions),
 * NeoX RoPE (with LongRoPE factors when present), fused gate+up SwiGLU ({@code ffn_up} holds
 * 2 × ffn rows: gate first), optional sliding-window attention.
 */
public final class Phi3Model extends DecoderModel {
    private final float[][] attnNorm;
    private final Linear[] qkv;     // (qDim + kvDim + vDim, dim), or null with separate projections
    private final Linear[] wq;
    private final Linear[] wk;
    private final Linear[] wv;
    private final Linear[] wo;      // (dim, qDim)
    private final float[][] ffnNorm;
    private final Linear[] gateUp;  // (2 * ffn, dim)
    private final Linear[] down;    // (dim, ffn)
    private final int window;

    public Phi3Model(ModelWeights w) {
        this(ConfigReader.read(w.file().meta(), w, RopeType.NEOX, true), w);
    }

    private Phi3Model(ModelConfig c, ModelWeights w) {
        super(c, w);
        int n = c.layers();
        attnNorm = new float[n][];
        qkv = new Linear[n];
        wq = new Linear[n];
        wk = new Linear[n];
        wv = new Linear[n];
        wo = new Linear[n];
        ffnNorm = new float[n][];
        gateUp = new Linear[n];
        down = new Linear[n];
        for (int l = 0; l < n; l++) {
            attnNorm[l] = w.vector(blk(l, "attn_norm.weight"), c.dim());
            if (w.has(blk(l, "attn_qkv.weight"))) {
                qkv[l] = Linear.load(w, blk(l, "attn_qkv"), c.qDim() + c.kvDim() + c.vDim(), c.dim());
            } else {
                wq[l] = Linear.load(w, blk(l, "attn_q"), c.qDim(), c.dim());
                wk[l] = Linear.load(w, blk(l, "attn_k"), c.kvDim(), c.dim());
                wv[l] = Linear.load(w, blk(l, "attn_v"), c.vDim(), c.dim());
            }
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            ffnNorm[l] = w.vector(blk(l, "ffn_norm.weight"), c.dim());
            gateUp[l] = Linear.load(w, blk(l, "ffn_up"), 2 * c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
        }
        window = w.file().meta().intOr("phi3.attention.sliding_window", 0, 0, Integer.MAX_VALUE);
    }

    @Override
    protected void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        Ops.rmsNorm(s.xb, 0, s.x, 0, attnNorm[l], c.dim(), c.normEps());
        if (qkv[l] != null) {
            qkv[l].apply(s.xb, 0, s.qkv, 0, s.scratch);
            splitQkv(s);
        } else {
            wq[l].apply(s.xb, 0, s.q, 0, s.scratch);
            wk[l].apply(s.xb, 0, s.k, 0, s.scratch);
            wv[l].apply(s.xb, 0, s.v, 0, s.scratch);
        }
        rope.apply(s.q, 0, c.heads(), c.headDim(), pos);
        rope.apply(s.k, 0, c.kvHeads(), c.headDim(), pos);
        attention(l, s, pos, (float) (1.0 / Math.sqrt(c.headDim())), 0f, window);
        wo[l].apply(s.att, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        Ops.rmsNorm(s.xb, 0, s.x, 0, ffnNorm[l], c.dim(), c.normEps());
        gateUp[l].apply(s.xb, 0, s.hb, 0, s.scratch);
        Ops.swiglu(s.hb, 0, s.hb, c.ffnDim(), c.ffnDim());
        down[l].apply(s.hb, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }
}
