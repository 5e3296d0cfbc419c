package dev.caravel.model;

import dev.caravel.tensor.WeightMatrix;

/**
 * The shared skeleton of decoder-only Transformers: embed, run the blocks, final norm, project to
 * the vocabulary. Architectures supply the block ({@link #block}) and the pieces that differ.
 */
public abstract class DecoderModel implements LanguageModel {
    protected final ModelConfig config;
    protected final ModelWeights weights;
    protected final WeightMatrix tokenEmbedding; // (vocab, dim)
    protected final WeightMatrix output;         // (vocab, dim), the embedding itself when tied
    protected final float[] outputNorm;          // (dim)
    protected final float[] outputNormBias;      // (dim) or null (LayerNorm models)
    protected final Linear outputProjection;
    protected final Rope rope;

    protected DecoderModel(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
        this.tokenEmbedding = weights.matrix("token_embd.weight", config.vocabSize(), config.dim());
        this.output = weights.has("output.weight")
                ? weights.matrix("output.weight", config.vocabSize(), config.dim())
                : tokenEmbedding;
        this.outputNorm = weights.vector("output_norm.weight", config.dim());
        this.outputNormBias = weights.vectorOrNull("output_norm.bias", config.dim());
        this.outputProjection = new Linear(output, weights.vectorOrNull("output.bias", config.vocabSize()));
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
        if (maxTokens < 1 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("context of " + maxTokens + " tokens is outside 1.." + config.contextLength());
        }
        return new DecoderState(config, maxTokens);
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
        finalNorm(s);
        outputProjection.apply(s.xb, 0, s.logits, 0, s.scratch);
        postProcessLogits(s.logits);
        return s.logits;
    }

    /** Writes the input embedding of {@code token} into {@code s.x}. */
    protected void embed(DecoderState s, int token, int pos) {
        tokenEmbedding.dequantizeRow(token, s.x, 0);
    }

    /** Runs block {@code layer} on {@code s.x} in place. */
    protected abstract void block(int layer, DecoderState s, int pos);

    /** Normalizes {@code s.x} into {@code s.xb} before the output projection. */
    protected void finalNorm(DecoderState s) {
        Ops.rmsNorm(s.xb, 0, s.x, 0, outputNorm, config.dim(), config.normEps());
    }

    protected void postProcessLogits(float[] logits) {
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
    protected final void attention(int layer, DecoderState s, int pos, float scale, float softcap, int window) {
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
                float score = Ops.dot(s.q, qOff, keys, t * kvDim + kvHead * headDim, headDim) * scale;
                scores[t - first] = score;
            }
            if (softcap > 0) {
                Ops.softcap(scores, 0, n, softcap);
            }
            Ops.softmax(scores, 0, n);
            int outOff = h * valueDim;
            java.util.Arrays.fill(s.att, outOff, outOff + valueDim, 0f);
            for (int t = first; t <= pos; t++) {
                float a = scores[t - first];
                int vOff = t * vDim + kvHead * valueDim;
                for (int i = 0; i < valueDim; i++) {
                    s.att[outOff + i] += a * values[vOff + i];
                }
            }
        }
    }

    /** Splits a fused QKV projection in {@code s.qkv} into {@code s.q}, {@code s.k}, {@code s.v}. */
    protected final void splitQkv(DecoderState s) {
        int q = config.qDim();
        int kv = config.kvDim();
        System.arraycopy(s.qkv, 0, s.q, 0, q);
        System.arraycopy(s.qkv, q, s.k, 0, kv);
        System.arraycopy(s.qkv, q + kv, s.v, 0, config.vDim());
    }
}
