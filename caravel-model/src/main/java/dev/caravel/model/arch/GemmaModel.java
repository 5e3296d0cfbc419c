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
 * Gemma (1) and Gemma 2.
 *
 * <p>Gemma: embeddings scaled by sqrt(dim), RMSNorm (the converter already stored {@code 1 + w}),
 * NeoX RoPE, GELU-gated MLP, tied output. Gemma 2 adds post-attention and post-MLP norms, tanh
 * soft-capping of attention scores and of the final logits, and sliding-window attention on
 * every other layer (even layers, counting from 0).
 */
public final class GemmaModel extends DecoderModel {
    private final float[][] attnNorm;
    private final Linear[] wq;
    private final Linear[] wk;
    private final Linear[] wv;
    private final Linear[] wo;
    private final float[][] attnPostNorm; // Gemma 2 only
    private final float[][] ffnNorm;
    private final float[][] ffnPostNorm;  // Gemma 2 only
    private final Linear[] gate;
    private final Linear[] up;
    private final Linear[] down;
    private final float embeddingScale;
    private final float queryScale;
    private final float attnSoftcap;
    private final float finalSoftcap;
    private final int window;
    private final boolean gemma2;

    public GemmaModel(ModelWeights w) {
        this(ConfigReader.read(w.file().meta(), w, RopeType.NEOX, true), w);
    }

    private GemmaModel(ModelConfig c, ModelWeights w) {
        super(c, w);
        gemma2 = c.architecture().equals("gemma2");
        int n = c.layers();
        attnNorm = new float[n][];
        wq = new Linear[n];
        wk = new Linear[n];
        wv = new Linear[n];
        wo = new Linear[n];
        attnPostNorm = new float[n][];
        ffnNorm = new float[n][];
        ffnPostNorm = new float[n][];
        gate = new Linear[n];
        up = new Linear[n];
        down = new Linear[n];
        for (int l = 0; l < n; l++) {
            attnNorm[l] = w.vector(blk(l, "attn_norm.weight"), c.dim());
            wq[l] = Linear.load(w, blk(l, "attn_q"), c.qDim(), c.dim());
            wk[l] = Linear.load(w, blk(l, "attn_k"), c.kvDim(), c.dim());
            wv[l] = Linear.load(w, blk(l, "attn_v"), c.vDim(), c.dim());
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            ffnNorm[l] = w.vector(blk(l, "ffn_norm.weight"), c.dim());
            gate[l] = Linear.load(w, blk(l, "ffn_gate"), c.ffnDim(), c.dim());
            up[l] = Linear.load(w, blk(l, "ffn_up"), c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
            if (gemma2) {
                attnPostNorm[l] = w.vector(blk(l, "post_attention_norm.weight"), c.dim());
                ffnPostNorm[l] = w.vector(blk(l, "post_ffw_norm.weight"), c.dim());
            }
        }
        var meta = w.file().meta();
        String a = c.architecture();
        embeddingScale = (float) Math.sqrt(c.dim());
        // Gemma 2 27B scales queries by 1/sqrt(dim/heads) instead of 1/sqrt(headDim) (query_pre_attn_scalar).
        boolean is27b = gemma2 && c.layers() == 46;
        queryScale = (float) (1.0 / Math.sqrt(is27b ? (double) c.dim() / c.heads() : c.headDim()));
        attnSoftcap = gemma2 ? meta.floatOr(a + ".attn_logit_softcapping", 50f) : 0f;
        finalSoftcap = gemma2 ? meta.floatOr(a + ".final_logit_softcapping", 30f) : 0f;
        window = gemma2 ? meta.intOr(a + ".attention.sliding_window", 4096, 0, Integer.MAX_VALUE) : 0;
    }

    @Override
    protected void embed(DecoderState s, int token, int pos) {
        tokenEmbedding.dequantizeRow(token, s.x, 0);
        Ops.scale(s.x, 0, config.dim(), embeddingScale);
    }

    @Override
    protected void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        Ops.rmsNorm(s.xb, 0, s.x, 0, attnNorm[l], c.dim(), c.normEps());
        wq[l].apply(s.xb, 0, s.q, 0, s.scratch);
        wk[l].apply(s.xb, 0, s.k, 0, s.scratch);
        wv[l].apply(s.xb, 0, s.v, 0, s.scratch);
        rope.apply(s.q, 0, c.heads(), c.headDim(), pos);
        rope.apply(s.k, 0, c.kvHeads(), c.headDim(), pos);
        boolean sliding = gemma2 && l % 2 == 0;
        attention(l, s, pos, queryScale, attnSoftcap, sliding ? window : 0);
        wo[l].apply(s.att, 0, s.xb2, 0, s.scratch);
        if (gemma2) {
            Ops.rmsNorm(s.xb2, 0, s.xb2, 0, attnPostNorm[l], c.dim(), c.normEps());
        }
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        Ops.rmsNorm(s.xb, 0, s.x, 0, ffnNorm[l], c.dim(), c.normEps());
        gate[l].apply(s.xb, 0, s.hb, 0, s.scratch);
        up[l].apply(s.xb, 0, s.hb2, 0, s.scratch);
        Ops.geglu(s.hb, 0, s.hb2, 0, c.ffnDim());
        down[l].apply(s.hb, 0, s.xb2, 0, s.scratch);
        if (gemma2) {
            Ops.rmsNorm(s.xb2, 0, s.xb2, 0, ffnPostNorm[l], c.dim(), c.normEps());
        }
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }

    @Override
    protected void postProcessLogits(float[] logits) {
        if (finalSoftcap > 0) {
            Ops.softcap(logits, 0, logits.length, finalSoftcap);
        }
    }
}
