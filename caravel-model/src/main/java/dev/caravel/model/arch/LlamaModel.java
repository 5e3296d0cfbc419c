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
 * Llama (1/2/3), Mistral, TinyLlama, SmolLM and other {@code llama}-architecture GGUFs.
 *
 * <p>Block: {@code x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x))}, then
 * {@code x += Wdown·(silu(Wgate·n(x)) * Wup·n(x))}, with RMSNorm {@code n}. Optional Q/K/V biases
 * (Qwen2 and some Llama derivatives) and per-head Q/K RMSNorms (Qwen3) are picked up when present.
 */
public class LlamaModel extends DecoderModel {
    protected final float[][] attnNorm;  // [layer] (dim)
    protected final Linear[] wq;         // (qDim, dim)
    protected final Linear[] wk;         // (kvDim, dim)
    protected final Linear[] wv;         // (vDim, dim)
    protected final Linear[] wo;         // (dim, heads * valueDim)
    protected final float[][] qNorm;     // [layer] (headDim) or null
    protected final float[][] kNorm;     // [layer] (headDim) or null
    protected final float[][] ffnNorm;   // [layer] (dim)
    protected final Linear[] gate;       // (ffn, dim)
    protected final Linear[] up;         // (ffn, dim)
    protected final Linear[] down;       // (dim, ffn)

    public LlamaModel(ModelWeights w, RopeType ropeType) {
        this(ConfigReader.read(w.file().meta(), w, ropeType, true), w);
    }

    protected LlamaModel(ModelConfig c, ModelWeights w) {
        super(c, w);
        int n = c.layers();
        attnNorm = new float[n][];
        wq = new Linear[n];
        wk = new Linear[n];
        wv = new Linear[n];
        wo = new Linear[n];
        qNorm = new float[n][];
        kNorm = new float[n][];
        ffnNorm = new float[n][];
        gate = new Linear[n];
        up = new Linear[n];
        down = new Linear[n];
        for (int l = 0; l < n; l++) {
            attnNorm[l] = w.vector(blk(l, "attn_norm.weight"), c.dim());
            wq[l] = Linear.load(w, blk(l, "attn_q"), c.qDim(), c.dim());
            wk[l] = Linear.load(w, blk(l, "attn_k"), c.kvDim(), c.dim());
            wv[l] = Linear.load(w, blk(l, "attn_v"), c.vDim(), c.dim());
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            qNorm[l] = w.vectorOrNull(blk(l, "attn_q_norm.weight"), c.headDim());
            kNorm[l] = w.vectorOrNull(blk(l, "attn_k_norm.weight"), c.headDim());
            ffnNorm[l] = w.vector(blk(l, "ffn_norm.weight"), c.dim());
            gate[l] = Linear.load(w, blk(l, "ffn_gate"), c.ffnDim(), c.dim());
            up[l] = Linear.load(w, blk(l, "ffn_up"), c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
        }
    }

    @Override
    protected void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        Ops.rmsNorm(s.xb, 0, s.x, 0, attnNorm[l], c.dim(), c.normEps());
        wq[l].apply(s.xb, 0, s.q, 0, s.scratch);
        wk[l].apply(s.xb, 0, s.k, 0, s.scratch);
        wv[l].apply(s.xb, 0, s.v, 0, s.scratch);
        normalizeHeads(s.q, c.heads(), qNorm[l]);
        normalizeHeads(s.k, c.kvHeads(), kNorm[l]);
        rope.apply(s.q, 0, c.heads(), c.headDim(), pos);
        rope.apply(s.k, 0, c.kvHeads(), c.headDim(), pos);
        attention(l, s, pos, (float) (1.0 / Math.sqrt(c.headDim())), 0f, 0);
        wo[l].apply(s.att, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        Ops.rmsNorm(s.xb, 0, s.x, 0, ffnNorm[l], c.dim(), c.normEps());
        gate[l].apply(s.xb, 0, s.hb, 0, s.scratch);
        up[l].apply(s.xb, 0, s.hb2, 0, s.scratch);
        Ops.swiglu(s.hb, 0, s.hb2, 0, c.ffnDim());
        down[l].apply(s.hb, 0, s.xb2, 0, s.scratch);
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }

    /** Per-head RMSNorm (Qwen3's q_norm / k_norm); no-op when the model has none. */
    protected final void normalizeHeads(float[] x, int nHeads, float[] weight) {
        if (weight == null) {
            return;
        }
        int hd = config.headDim();
        for (int h = 0; h < nHeads; h++) {
            Ops.rmsNorm(x, h * hd, x, h * hd, weight, hd, config.normEps());
        }
    }
}
