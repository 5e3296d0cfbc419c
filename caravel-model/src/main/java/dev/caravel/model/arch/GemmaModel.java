package dev.caravel.model.arch;

import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.model.ConfigReader;
import dev.caravel.model.DecoderModel;
import dev.caravel.model.DecoderState;
import dev.caravel.model.ModelException;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.Ops;
import dev.caravel.model.RopeType;

/**
 * Gemma (1) and Gemma 2.
 *
 * <p>Gemma: embeddings scaled by sqrt(dim), RMSNorm (the converter already stored {@code 1 + w}),
 * NeoX RoPE, GELU-gated MLP, tied output. Gemma 2 adds post-attention and post-MLP norms (picked
 * up from the file), tanh soft-capping of attention scores and of the final logits, and
 * sliding-window attention on even layers (counting from 0).
 */
public final class GemmaModel extends DecoderModel {
    private final float embeddingScale;
    private final float queryScale;
    private final float attnSoftcap;
    private final float finalSoftcap;
    private final int window;

    public GemmaModel(ModelWeights w) {
        super(ConfigReader.read(w.file().meta(), w, RopeType.NEOX, true), w);
        GgufMetadata meta = w.file().meta();
        String a = config.architecture();
        boolean gemma2 = a.equals("gemma2");
        if (gemma2 && (blocks[0].attnPostNorm() == null || blocks[0].ffnPostNorm() == null)) {
            throw new ModelException(w.file().path().getFileName() + ": gemma2 blocks lack post_attention_norm / post_ffw_norm");
        }
        embeddingScale = (float) Math.sqrt(config.dim());
        // Gemma 2 27B scales queries by 1/sqrt(dim/heads) (its query_pre_attn_scalar), the others by 1/sqrt(headDim).
        boolean is27b = gemma2 && config.layers() == 46;
        queryScale = (float) (1.0 / Math.sqrt(is27b ? (double) config.dim() / config.heads() : config.headDim()));
        attnSoftcap = gemma2 ? meta.floatOr(a + ".attn_logit_softcapping", 50f) : 0f;
        finalSoftcap = gemma2 ? meta.floatOr(a + ".final_logit_softcapping", 30f) : 0f;
        window = gemma2 ? meta.intOr(a + ".attention.sliding_window", 4096, 0, Integer.MAX_VALUE) : 0;
    }

    @Override
    protected void embed(DecoderState s, int token, int pos, int row) {
        int off = row * config.dim();
        tokenEmbedding.dequantizeRow(token, s.x, off);
        Ops.scale(s.x, off, config.dim(), embeddingScale);
    }

    @Override
    protected Activation activation() {
        return Activation.GELU;
    }

    @Override
    protected float attentionScale() {
        return queryScale;
    }

    @Override
    protected float attentionSoftcap() {
        return attnSoftcap;
    }

    @Override
    protected int attentionWindow(int layer) {
        return layer % 2 == 0 ? window : 0;
    }

    @Override
    protected void finalLogitSoftcap(float[] logits, int offset) {
        if (finalSoftcap > 0) {
            Ops.softcap(logits, offset, config.vocabSize(), finalSoftcap);
        }
    }
}
