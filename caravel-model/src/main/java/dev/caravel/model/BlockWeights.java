package dev.caravel.model;

import static dev.caravel.model.ModelWeights.blk;

/**
 * The tensors of one Transformer block under llama.cpp's GGUF names. Everything an architecture
 * may or may not have is optional here (null when absent); {@link #load} checks the combinations
 * every decoder needs.
 *
 * @param attnNorm     {@code attn_norm} (dim), with {@code attnNormBias} for LayerNorm models
 * @param qkv          fused {@code attn_qkv} (qDim + kvDim + vDim, dim), or null with separate q/k/v
 * @param wq           {@code attn_q} (qDim, dim)
 * @param wk           {@code attn_k} (kvDim, dim)
 * @param wv           {@code attn_v} (vDim, dim)
 * @param wo           {@code attn_output} (dim, heads * valueDim)
 * @param qNorm        per-head {@code attn_q_norm} (headDim) — Qwen3
 * @param kNorm        per-head {@code attn_k_norm} (headDim) — Qwen3
 * @param attnPostNorm {@code post_attention_norm} (dim) on the attention output — Gemma 2, GLM-4
 * @param ffnNorm      {@code ffn_norm} (dim), with {@code ffnNormBias} for LayerNorm models
 * @param gate         {@code ffn_gate} (ffn, dim), or null
 * @param up           {@code ffn_up}: (ffn, dim), or (2 * ffn, dim) holding gate then up when
 *                     {@code fusedGateUp}
 * @param down         {@code ffn_down} (dim, ffn)
 * @param ffnPostNorm  {@code post_ffw_norm} (dim) on the MLP output — Gemma 2, GLM-4
 */
public record BlockWeights(
        float[] attnNorm, float[] attnNormBias,
        Linear qkv, Linear wq, Linear wk, Linear wv, Linear wo,
        float[] qNorm, float[] kNorm, float[] attnPostNorm,
        float[] ffnNorm, float[] ffnNormBias,
        Linear gate, Linear up, boolean fusedGateUp, Linear down, float[] ffnPostNorm) {

    public static BlockWeights load(ModelWeights w, ModelConfig c, int l) {
        int dim = c.dim();
        Linear qkv = Linear.loadOrNull(w, blk(l, "attn_qkv"), c.qDim() + c.kvDim() + c.vDim(), dim);
        Linear wq = qkv != null ? null : Linear.load(w, blk(l, "attn_q"), c.qDim(), dim);
        Linear wk = qkv != null ? null : Linear.load(w, blk(l, "attn_k"), c.kvDim(), dim);
        Linear wv = qkv != null ? null : Linear.load(w, blk(l, "attn_v"), c.vDim(), dim);
        Linear gate = Linear.loadOrNull(w, blk(l, "ffn_gate"), c.ffnDim(), dim);
        // Without a separate gate, ffn_up either is a plain MLP input (GPT-2) or holds gate and up
        // stacked (Phi-3, ChatGLM, GLM-4): the row count tells which.
        boolean fused = gate == null && w.has(blk(l, "ffn_up.weight")) && w.rowsOf(blk(l, "ffn_up.weight")) == 2 * c.ffnDim();
        Linear up = Linear.load(w, blk(l, "ffn_up"), fused ? 2 * c.ffnDim() : c.ffnDim(), dim);
        return new BlockWeights(
                w.vector(blk(l, "attn_norm.weight"), dim), w.vectorOrNull(blk(l, "attn_norm.bias"), dim),
                qkv, wq, wk, wv, Linear.load(w, blk(l, "attn_output"), dim, c.heads() * c.valueDim()),
                w.vectorOrNull(blk(l, "attn_q_norm.weight"), c.headDim()),
                w.vectorOrNull(blk(l, "attn_k_norm.weight"), c.headDim()),
                w.vectorOrNull(blk(l, "post_attention_norm.weight"), dim),
                w.vector(blk(l, "ffn_norm.weight"), dim), w.vectorOrNull(blk(l, "ffn_norm.bias"), dim),
                gate, up, fused, Linear.load(w, blk(l, "ffn_down"), dim, c.ffnDim()),
                w.vectorOrNull(blk(l, "post_ffw_norm.weight"), dim));
    }
}
