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
        s.singleToken[0] = token;
        return forward(s, s.singleToken, 0, 1, pos, null);
    }

    @Override
    public float[] forward(DecoderState s, int[] tokens, int offset, int count, int pos, LogitsSink sink) {
        java.util.Objects.checkFromIndexSize(offset, count, tokens.length);
        if (count < 1) {
            throw new IllegalArgumentException("nothing to evaluate: " + count + " tokens");
        }
        if (pos < 0 || pos + count > s.maxTokens) {
            throw new IllegalArgumentException("positions " + pos + ".." + (pos + count - 1) + " are outside the context (0.."
                    + (s.maxTokens - 1) + ")");
        }
        for (int i = 0; i < count; i++) {
            int token = tokens[offset + i];
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
            }
        }
        for (int done = 0; done < count; done += s.batch) {
            int n = Math.min(s.batch, count - done);
            forwardChunk(s, tokens, offset + done, n, pos + done, sink, done + n == count);
        }
        return s.logits;
    }

    /**
     * Evaluates {@code n ≤ batch} tokens at positions {@code pos..pos+n-1}: one pass over the weights. Without a
     * sink only the last chunk of a prompt ({@code last}) projects its last row to logits: the output matrix is
     * the largest of most models (vocabulary × dim), and an earlier chunk's logits would be overwritten unread.
     */
    private void forwardChunk(DecoderState s, int[] tokens, int offset, int n, int pos, LogitsSink sink, boolean last) {
        int dim = config.dim();
        for (int r = 0; r < n; r++) {
            s.rowCache[r] = s;
            s.rowPosition[r] = pos + r;
        }
        forwardBlocks(s, s.rowCache, tokens, offset, s.rowPosition, n);
        int vocab = config.vocabSize();
        if (sink == null) {
            if (!last) {
                return;
            }
            // Only the last token's logits are needed.
            norm(s.xb, 0, s.x, (n - 1) * dim, outputNorm, outputNormBias);
            outputProjection.apply(s.xb, 0, 1, s.logits, 0, s);
            finalLogitSoftcap(s.logits, 0);
            return;
        }
        for (int r = 0; r < n; r++) {
            norm(s.xb, r * dim, s.x, r * dim, outputNorm, outputNormBias);
        }
        float[] all = s.batchLogits(vocab);
        outputProjection.apply(s.xb, 0, n, all, 0, s);
        for (int r = 0; r < n; r++) {
            finalLogitSoftcap(all, r * vocab);
            System.arraycopy(all, r * vocab, s.logits, 0, vocab);
            sink.accept(pos + r, s.logits);
        }
    }

    @Override
    public float[] forwardRows(DecoderState work, DecoderState[] caches, int[] tokens, int[] positions, int n,
                               int[] logitRows, int m) {
        if (n < 1 || n > work.batch) {
            throw new IllegalArgumentException(n + " rows do not fit a batch of 1.." + work.batch);
        }
        if (m < 0 || m > n) {
            throw new IllegalArgumentException(m + " logit rows for " + n + " rows");
        }
        for (int r = 0; r < n; r++) {
            DecoderState cache = caches[r];
            if (positions[r] < 0 || positions[r] >= cache.maxTokens) {
                throw new IllegalArgumentException("position " + positions[r] + " is outside the context (0.."
                        + (cache.maxTokens - 1) + ")");
            }
            if (positions[r] >= work.maxTokens) {
                throw new IllegalArgumentException("position " + positions[r] + " is beyond the work state's "
                        + work.maxTokens + " tokens");
            }
            if (tokens[r] < 0 || tokens[r] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary (0.."
                        + (config.vocabSize() - 1) + ")");
            }
        }
        forwardBlocks(work, caches, tokens, 0, positions, n);
        int dim = config.dim();
        int vocab = config.vocabSize();
        float[] all = work.batchLogits(vocab);
        if (m == 0) {
            return all;
        }
        // Rows 0..m-1 of xb: the final norm of the rows whose logits are wanted (xb is free after the last block).
        for (int i = 0; i < m; i++) {
            int r = logitRows[i];
            java.util.Objects.checkIndex(r, n);
            norm(work.xb, i * dim, work.x, r * dim, outputNorm, outputNormBias);
        }
        outputProjection.apply(work.xb, 0, m, all, 0, work);
        for (int i = 0; i < m; i++) {
            finalLogitSoftcap(all, i * vocab);
        }
        return all;
    }

    /**
     * The blocks over rows {@code 0..n-1} of {@code s}: row {@code r} is token {@code tokens[offset + r]} at
     * position {@code positions[r]} of the sequence whose KV cache {@code caches[r]} holds. Leaves the last
     * block's output in {@code s.x}.
     */
    private void forwardBlocks(DecoderState s, DecoderState[] caches, int[] tokens, int offset, int[] positions, int n) {
        for (int r = 0; r < n; r++) {
            embed(s, tokens[offset + r], positions[r], r);
        }
        for (int l = 0; l < config.layers(); l++) {
            block(l, s, n, caches, positions);
        }
    }

    // ---- what architectures customize ----

    /** Writes the input embedding of {@code token} at {@code pos} into row {@code row} of {@code s.x}. */
    protected void embed(DecoderState s, int token, int pos, int row) {
        tokenEmbedding.dequantizeRow(token, s.x, row * config.dim());
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

    /** Post-processes one row of logits starting at {@code offset} (Gemma 2's soft cap). */
    protected void finalLogitSoftcap(float[] logits, int offset) {
    }

    // ---- the block ----

    /** Block {@code l} over rows {@code 0..n-1} of {@code s.x}; row r at {@code positions[r]} of {@code caches[r]}'s sequence. */
    private void block(int l, DecoderState s, int n, DecoderState[] caches, int[] positions) {
        ModelConfig c = config;
        BlockWeights b = blocks[l];
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int vDim = c.vDim();
        for (int r = 0; r < n; r++) {
            norm(s.xb, r * dim, s.x, r * dim, b.attnNorm(), b.attnNormBias());
        }
        if (b.qkv() != null) {
            int fused = qDim + kvDim + vDim;
            b.qkv().apply(s.xb, 0, n, s.qkv, 0, s);
            for (int r = 0; r < n; r++) {
                System.arraycopy(s.qkv, r * fused, s.q, r * qDim, qDim);
                System.arraycopy(s.qkv, r * fused + qDim, s.k, r * kvDim, kvDim);
                System.arraycopy(s.qkv, r * fused + qDim + kvDim, s.v, r * vDim, vDim);
            }
        } else {
            Linear.applyAll(b.wq(), s.q, b.wk(), s.k, b.wv(), s.v, s.xb, n, s);
        }
        // Every row's keys and values are cached before any row attends: a row of a prompt chunk sees the
        // rows before it.
        for (int r = 0; r < n; r++) {
            int pos = positions[r];
            normalizeHeads(s.q, r * qDim, c.heads(), b.qNorm());
            normalizeHeads(s.k, r * kvDim, c.kvHeads(), b.kNorm());
            rope.apply(s.q, r * qDim, c.heads(), c.headDim(), pos);
            rope.apply(s.k, r * kvDim, c.kvHeads(), c.headDim(), pos);
            System.arraycopy(s.k, r * kvDim, caches[r].keyCache[l], pos * kvDim, kvDim);
            System.arraycopy(s.v, r * vDim, caches[r].valueCache[l], pos * vDim, vDim);
        }
        attention(l, s, n, caches, positions);
        b.wo().apply(s.att, 0, n, s.xb2, 0, s);
        residual(s, n, b.attnPostNorm());

        for (int r = 0; r < n; r++) {
            norm(s.xb, r * dim, s.x, r * dim, b.ffnNorm(), b.ffnNormBias());
        }
        feedForward(b, s, n);
        residual(s, n, b.ffnPostNorm());
    }

    /** {@code x += postNorm(xb2)} for every row (no norm when {@code postNorm} is null). */
    private void residual(DecoderState s, int n, float[] postNorm) {
        int dim = config.dim();
        for (int r = 0; r < n; r++) {
            if (postNorm != null) {
                Ops.rmsNorm(s.xb2, r * dim, s.xb2, r * dim, postNorm, dim, config.normEps());
            }
            Ops.add(s.x, r * dim, s.xb2, r * dim, dim);
        }
    }

    /** MLP of rows {@code 0..n-1} of {@code s.xb} into {@code s.xb2}. */
    private void feedForward(BlockWeights b, DecoderState s, int n) {
        int ffn = config.ffnDim();
        boolean gelu = activation() == Activation.GELU;
        float[] hidden; // (n, ffn) input of the down projection
        if (b.gate() != null) {
            Linear.applyAll(b.gate(), s.hb, b.up(), s.hb2, null, null, s.xb, n, s); // (n, ffn) each
            s.gatedRows.run(s.parallel.pool(), s.hb, null, s.hb2, 0, ffn, ffn, gelu, n);
            hidden = s.hb;
        } else if (b.fusedGateUp()) {
            b.up().apply(s.xb, 0, n, s.hb, 0, s);    // (n, 2 * ffn): gate | up per row
            s.gatedRows.run(s.parallel.pool(), s.hb2, s.hb, s.hb, ffn, 2 * ffn, ffn, gelu, n);
            hidden = s.hb2;
        } else {
            b.up().apply(s.xb, 0, n, s.hb, 0, s);    // (n, ffn)
            if (gelu) {
                for (int i = 0; i < n * ffn; i++) {
                    s.hb[i] = Ops.gelu(s.hb[i]);
                }
            } else {
                for (int r = 0; r < n; r++) {
                    Ops.siluInPlace(s.hb, r * ffn, ffn);
                }
            }
            hidden = s.hb;
        }
        b.down().apply(hidden, 0, n, s.xb2, 0, s);
    }

    private void norm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias) {
        if (layerNorm()) {
            Ops.layerNorm(out, outOff, x, xOff, weight, bias, config.dim(), config.normEps());
        } else {
            Ops.rmsNorm(out, outOff, x, xOff, weight, config.dim(), config.normEps());
        }
    }

    /** Per-head RMSNorm (Qwen3's q_norm / k_norm) of the heads starting at {@code off}; no-op when the model has none. */
    private void normalizeHeads(float[] x, int off, int nHeads, float[] weight) {
        if (weight == null) {
            return;
        }
        int hd = config.headDim();
        for (int h = 0; h < nHeads; h++) {
            Ops.rmsNorm(x, off + h * hd, x, off + h * hd, weight, hd, config.normEps());
        }
    }

    /**
     * Scores (heads × positions, summed over the rows) below this many are not worth waking the workers for: a
     * score costs a head-sized dot product and a value update, some 50 ns, and a dispatch a microsecond or two.
     */
    private static final long PARALLEL_ATTENTION_SCORES = 1 << 11;

    /** Attention of rows {@code 0..n-1} (row r at {@code positions[r]} of {@code caches[r]}), into {@code s.att}. */
    private void attention(int layer, DecoderState s, int n, DecoderState[] caches, int[] positions) {
        WorkerPool pool = s.parallel.pool();
        long work = 0;
        for (int r = 0; r < n; r++) {
            work += positions[r] + 1L; // rows of a continuous batch are at positions of their own
        }
        work *= config.heads();
        if (pool.size() > 1 && work >= PARALLEL_ATTENTION_SCORES) {
            DecoderState.AttentionStep step = s.attentionStep;
            step.model = this;
            step.layer = layer;
            step.caches = caches;
            step.positions = positions;
            try {
                pool.runEach(n * config.heads(), step);
            } finally {
                step.caches = null;
                step.positions = null;
            }
            return;
        }
        for (int r = 0; r < n; r++) {
            for (int h = 0; h < config.heads(); h++) {
                attendHead(layer, s, caches[r], r, positions[r], h, s.scores, s.valueLanes);
            }
        }
    }

    /**
     * Head {@code h} of row {@code row} (the token at {@code pos}) with grouped-query sharing, over the keys/values
     * that {@code cache} holds for positions up to {@code pos} (the caller stored this chunk's keys and values
     * first); writes the head's output into row {@code row} of {@code s.att}. {@code scores} (maxTokens) and
     * {@code valueLanes} are the calling worker's own buffers.
     */
    void attendHead(int layer, DecoderState s, DecoderState cache, int row, int pos, int h, float[] scores, float[] valueLanes) {
        int kvDim = config.kvDim();
        int vDim = config.vDim();
        int headDim = config.headDim();
        int valueDim = config.valueDim();
        float[] keys = cache.keyCache[layer];
        float[] values = cache.valueCache[layer];
        int group = config.heads() / config.kvHeads();
        int window = attentionWindow(layer);
        float scale = attentionScale();
        float softcap = attentionSoftcap();
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        int n = pos - first + 1;
        int kvHead = h / group;
        int qOff = row * config.qDim() + h * headDim;
        for (int t = first; t <= pos; t++) {
            scores[t - first] = Ops.dot(s.q, qOff, keys, t * kvDim + kvHead * headDim, headDim) * scale;
        }
        if (softcap > 0) {
            Ops.softcap(scores, 0, n, softcap);
        }
        Ops.softmax(scores, 0, n);
        dev.caravel.tensor.kernel.AttentionValues.attend(s.att, row * config.heads() * valueDim + h * valueDim, scores, 0, n, values,
                first * vDim + kvHead * valueDim, vDim, valueDim, s.scratch.batchNumerics(), valueLanes);
    }
}
