package dev.caravel.model;

import dev.caravel.tensor.WeightMatrix;
import dev.caravel.tensor.parallel.WorkerPool;


/**
 * The shared forward pass of decoder-only Transformers, in llama.cpp's graph order:
 *
 * <pre>
 *   x = embed(token)
 *   for each block:
 *     h = norm(x);  q, k, v = Wq·h, Wk·h, Wv·h   (or one fused Wqkv)
 *     q, k = rope(headNorm(q)), rope(headNorm(k))
 *     x += postNorm(Wo · attention(q, k, v))
 *     h = norm(x);  x += postNorm(Wdown · act(Wgate·h) * (Wup·h))   (or act(Wup·h) without a gate)
 *   logits = Wout · norm(x)
 * </pre>
 *
 * Optional pieces (biases, per-head norms, post norms, fused projections) come from which tensors
 * the file has ({@link BlockWeights}); what differs by architecture and is not visible in the
 * tensors — RoPE pairing, norm and activation kind, scales, soft caps, sliding windows, input
 * embedding — is supplied by the small subclass of each architecture.
 */
public abstract class DecoderModel implements LanguageModel {
    /** The MLP's non-linearity. */
    protected enum Activation { SILU, GELU }

    protected final ModelConfig config;
    protected final ModelWeights weights;
    protected final WeightMatrix tokenEmbedding; // (vocab, dim)
    protected final float[] outputNorm;          // (dim)
    protected final float[] outputNormBias;      // (dim) or null
    protected final Linear outputProjection;     // (vocab, dim): output.weight, or the embedding when tied
    protected final BlockWeights[] blocks;
    protected final Rope rope;

    protected DecoderModel(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
        this.tokenEmbedding = weights.matrix("token_embd.weight", config.vocabSize(), config.dim());
        WeightMatrix output = weights.has("output.weight")
                ? weights.matrix("output.weight", config.vocabSize(), config.dim())
                : tokenEmbedding;
        this.outputProjection = new Linear(output, weights.vectorOrNull("output.bias", config.vocabSize()));
        this.outputNorm = weights.vector("output_norm.weight", config.dim());
        this.outputNormBias = weights.vectorOrNull("output_norm.bias", config.dim());
        this.blocks = new BlockWeights[config.layers()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = BlockWeights.load(weights, config, l);
        }
        this.rope = new Rope(config.ropeType(), config.ropeDim(), config.ropeTheta(), config.ropeScale(),
                config.contextLength(), ropeFrequencyFactors(weights, config));
    }

    /**
     * LongRoPE frequency factors ({@code rope_factors_short.weight} / {@code rope_freqs.weight}),
     * used by Phi-3 and Llama 3.1+; null when the model has none. The short factors apply while
     * the context stays within the original training length, which is how Caravel sizes contexts.
     */
    private static float[] ropeFrequencyFactors(ModelWeights w, ModelConfig c) {
        for (String name : new String[]{"rope_factors_short.weight", "rope_freqs.weight"}) {
            if (w.has(name)) {
                return w.vector(name, c.ropeDim() / 2);
            }
        }
        return null;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public DecoderState newState(int maxTokens) {
        return newState(maxTokens, new WorkerPool(1));
    }

    @Override
    public DecoderState newState(int maxTokens, WorkerPool pool) {
        if (maxTokens < 1 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("context of " + maxTokens + " tokens is outside 1.." + config.contextLength());
        }
        return new DecoderState(config, maxTokens, pool);
    }

    @Override
    public float[] forward(DecoderState s, int token, int pos) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
        }
        if (pos < 0 || pos >= s.maxTokens) {
            throw new IllegalArgumentException("position " + pos + " is outside the context (0.." + (s.maxTokens - 1) + ")");
        }
        embed(s, token, pos);
        for (int l = 0; l < config.layers(); l++) {
            block(l, s, pos);
        }
        norm(s.xb, s.x, outputNorm, outputNormBias);
        outputProjection.apply(s.xb, 0, s.logits, 0, s);
        finalLogitSoftcap(s.logits);
        return s.logits;
    }

    // ---- what architectures customize ----

    /** Writes the input embedding of {@code token} into {@code s.x}. */
    protected void embed(DecoderState s, int token, int pos) {
        tokenEmbedding.dequantizeRow(token, s.x, 0);
    }

    /** LayerNorm (GPT-2) instead of RMSNorm. */
    protected boolean layerNorm() {
        return false;
    }

    protected Activation activation() {
        return Activation.SILU;
    }

    /** Multiplier of q·k. */
    protected float attentionScale() {
        return (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /** tanh soft-cap of attention scores (Gemma 2), 0 for none. */
    protected float attentionSoftcap() {
        return 0f;
    }

    /** Sliding attention window of layer {@code layer}, 0 for full attention. */
    protected int attentionWindow(int layer) {
        return 0;
    }

    protected void finalLogitSoftcap(float[] logits) {
    }

    // ---- the block ----

    private void block(int l, DecoderState s, int pos) {
        ModelConfig c = config;
        BlockWeights b = blocks[l];
        norm(s.xb, s.x, b.attnNorm(), b.attnNormBias());
        if (b.qkv() != null) {
            b.qkv().apply(s.xb, 0, s.qkv, 0, s);
            System.arraycopy(s.qkv, 0, s.q, 0, c.qDim());
            System.arraycopy(s.qkv, c.qDim(), s.k, 0, c.kvDim());
            System.arraycopy(s.qkv, c.qDim() + c.kvDim(), s.v, 0, c.vDim());
        } else {
            b.wq().apply(s.xb, 0, s.q, 0, s);
            b.wk().apply(s.xb, 0, s.k, 0, s);
            b.wv().apply(s.xb, 0, s.v, 0, s);
        }
        normalizeHeads(s.q, c.heads(), b.qNorm());
        normalizeHeads(s.k, c.kvHeads(), b.kNorm());
        rope.apply(s.q, 0, c.heads(), c.headDim(), pos);
        rope.apply(s.k, 0, c.kvHeads(), c.headDim(), pos);
        attention(l, s, pos, attentionScale(), attentionSoftcap(), attentionWindow(l));
        b.wo().apply(s.att, 0, s.xb2, 0, s);
        if (b.attnPostNorm() != null) {
            Ops.rmsNorm(s.xb2, 0, s.xb2, 0, b.attnPostNorm(), c.dim(), c.normEps());
        }
        Ops.add(s.x, 0, s.xb2, 0, c.dim());

        norm(s.xb, s.x, b.ffnNorm(), b.ffnNormBias());
        feedForward(b, s);
        if (b.ffnPostNorm() != null) {
            Ops.rmsNorm(s.xb2, 0, s.xb2, 0, b.ffnPostNorm(), c.dim(), c.normEps());
        }
        Ops.add(s.x, 0, s.xb2, 0, c.dim());
    }

    /** MLP of {@code s.xb} into {@code s.xb2}. */
    private void feedForward(BlockWeights b, DecoderState s) {
        int ffn = config.ffnDim();
        boolean gelu = activation() == Activation.GELU;
        if (b.gate() != null) {
            b.gate().apply(s.xb, 0, s.hb, 0, s);
            b.up().apply(s.xb, 0, s.hb2, 0, s);
            gatedActivation(s.hb, 0, s.hb2, 0, ffn, gelu);
        } else if (b.fusedGateUp()) {
            b.up().apply(s.xb, 0, s.hb, 0, s); // (gate | up)
            gatedActivation(s.hb, 0, s.hb, ffn, ffn, gelu);
        } else {
            b.up().apply(s.xb, 0, s.hb, 0, s);
            if (gelu) {
                for (int i = 0; i < ffn; i++) {
                    s.hb[i] = Ops.gelu(s.hb[i]);
                }
            } else {
                Ops.siluInPlace(s.hb, 0, ffn);
            }
        }
        b.down().apply(s.hb, 0, s.xb2, 0, s);
    }

    private static void gatedActivation(float[] gate, int gateOff, float[] up, int upOff, int n, boolean gelu) {
        if (gelu) {
            Ops.geglu(gate, gateOff, up, upOff, n);
        } else {
            Ops.swiglu(gate, gateOff, up, upOff, n);
        }
    }

    private void norm(float[] out, float[] x, float[] weight, float[] bias) {
        if (layerNorm()) {
            Ops.layerNorm(out, 0, x, 0, weight, bias, config.dim(), config.normEps());
        } else {
            Ops.rmsNorm(out, 0, x, 0, weight, config.dim(), config.normEps());
        }
    }

    /** Per-head RMSNorm (Qwen3's q_norm / k_norm); no-op when the model has none. */
    private void normalizeHeads(float[] x, int nHeads, float[] weight) {
        if (weight == null) {
            return;
        }
        int hd = config.headDim();
        for (int h = 0; h < nHeads; h++) {
            Ops.rmsNorm(x, h * hd, x, h * hd, weight, hd, config.normEps());
        }
    }

    /**
     * Multi-head attention for one query position with grouped-query sharing. Expects the roped
     * query in {@code s.q} and this position's roped key/value in {@code s.k}/{@code s.v}; stores
     * them in the cache and writes the concatenated head outputs into {@code s.att}.
     *
     * @param scale    multiplier of q·k (usually 1/sqrt(headDim))
     * @param softcap  tanh soft-capping of scores, or 0 for none
     * @param window   attend only to the last {@code window} positions, or 0 for all
     */
    private void attention(int layer, DecoderState s, int pos, float scale, float softcap, int window) {
        int kvDim = config.kvDim();
        int vDim = config.vDim();
        int headDim = config.headDim();
        int valueDim = config.valueDim();
        float[] keys = s.keyCache[layer];
        float[] values = s.valueCache[layer];
        System.arraycopy(s.k, 0, keys, pos * kvDim, kvDim);
        System.arraycopy(s.v, 0, values, pos * vDim, vDim);
        int group = config.heads() / config.kvHeads();
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        int n = pos - first + 1;
        float[] scores = s.scores;
        for (int h = 0; h < config.heads(); h++) {
            int kvHead = h / group;
            int qOff = h * headDim;
            for (int t = first; t <= pos; t++) {
                scores[t - first] = Ops.dot(s.q, qOff, keys, t * kvDim + kvHead * headDim, headDim) * scale;
            }
            if (softcap > 0) {
                Ops.softcap(scores, 0, n, softcap);
            }
            Ops.softmax(scores, 0, n);
            int outOff = h * valueDim;
            Ops.attendValues(s.att, outOff, scores, 0, n, values, first * vDim + kvHead * valueDim, vDim, valueDim,
                    s.scratch.batchNumerics());
        }
    }
}
