package dev.caravel.model;

import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.parallel.ParallelMatMul;
import dev.caravel.tensor.parallel.WorkerPool;

/**
 * Everything one sequence needs while decoding: the KV cache and all activation buffers, sized
 * once so that the decode loop allocates nothing.
 *
 * <p>Activation buffers hold up to {@link #batch} rows, one per token evaluated together: a
 * prompt is processed in chunks of that many tokens so each weight matrix is read once per chunk
 * rather than once per token. Row {@code r} of a buffer of width {@code w} starts at {@code r * w}.
 */
public final class DecoderState {
    /** Prompt tokens evaluated together by default. */
    public static final int DEFAULT_BATCH = 32;

    public final int maxTokens;
    /** Rows of the activation buffers: tokens per forward call. */
    public final int batch;
    public final float[] x;       // (batch, dim) residual stream
    public final float[] xb;      // (batch, dim) normed input of a projection
    public final float[] xb2;     // (batch, dim) block output before the residual add
    public final float[] q;       // (batch, qDim)
    public final float[] k;       // (batch, kvDim)
    public final float[] v;       // (batch, vDim)
    public final float[] qkv;     // (batch, qDim + kvDim + vDim) fused projections
    public final float[] att;     // (batch, heads * valueDim) attention output before W_o
    public final float[] scores;  // (maxTokens) attention scores of one head
    public final float[] valueLanes; // (64, valueDim) lanes of one head's attention-value sums
    /** Per worker of the pool (index 0 = {@link #scores} / {@link #valueLanes}): attention heads run in parallel. */
    final float[][] workerScores;
    final float[][] workerValueLanes;
    /** {@link Linear#applyAll}'s argument arrays, reused so that a forward step allocates nothing. */
    /** The feed-forward's gated activation over the pool ({@link DecoderModel}). */
    final GatedActivationRows gatedRows = new GatedActivationRows();
    final dev.caravel.tensor.WeightMatrix[] fusedMatrices = new dev.caravel.tensor.WeightMatrix[3];
    final float[][] fusedOuts = new float[3][];
    /** The attention step handed to the pool; its fields are set before each dispatch. */
    final AttentionStep attentionStep = new AttentionStep();
    public final float[] hb;      // (batch, 2 * ffnDim) gate, or fused gate|up
    public final float[] hb2;     // (batch, ffnDim) up, or the gated activation
    public final float[] logits;  // (vocab) logits of the last evaluated token
    public final float[][] keyCache;   // [layer] (maxTokens, kvDim)
    public final float[][] valueCache; // [layer] (maxTokens, vDim)
    public final MatMulScratch scratch;
    /** Splits each matrix product over the worker threads this state computes with. */
    public final ParallelMatMul parallel;
    private float[] batchLogits;  // (batch, vocab), only when every row's logits are wanted
    /** Holds the token of a one-token forward call, so that call allocates nothing. */
    final int[] singleToken = new int[1];
    /**
     * Per row of a chunk: whose KV cache the row reads and writes, and the row's position there. For
     * one sequence every row names this state; continuous batching mixes the rows of several states
     * ({@link LanguageModel#forwardRows}).
     */
    final DecoderState[] rowCache;
    final int[] rowPosition;

    /**
     * Chooses the summation order of the coming forward steps: llama.cpp evaluates a prompt of
     * several tokens as one batch (tinyBLAS-style tiles for F32/F16/BF16 products and attention)
     * and generated tokens one at a time, and the two round differently in the last bits. The
     * engine switches this on while prefilling more than one token so logits match llama.cpp's.
     */
    public void setBatchNumerics(boolean batched) {
        scratch.setBatchNumerics(batched);
    }

    /** A state that computes on the calling thread only. */
    public DecoderState(ModelConfig c, int maxTokens) {
        this(c, maxTokens, SINGLE_THREAD);
    }

    private static final WorkerPool SINGLE_THREAD = new WorkerPool(1);

    /**
     * @param pool the threads that share this state's matrix products; a pool drives one
     *             computation at a time, so states used concurrently need pools of their own
     */
    public DecoderState(ModelConfig c, int maxTokens, WorkerPool pool) {
        this(c, maxTokens, pool, Math.min(DEFAULT_BATCH, maxTokens));
    }

    public DecoderState(ModelConfig c, int maxTokens, WorkerPool pool, int batch) {
        this(c, maxTokens, pool, batch, true);
    }

    /**
     * Activation buffers for {@link LanguageModel#forwardRows} without a KV cache of its own: the rows
     * it evaluates read and write the caches of other states.
     *
     * @param maxTokens the longest sequence a row may belong to
     */
    public static DecoderState workspace(ModelConfig c, int maxTokens, WorkerPool pool, int batch) {
        DecoderState s = new DecoderState(c, maxTokens, pool, batch, false);
        // Its rows belong to different sequences: each is computed exactly as it would be alone.
        s.scratch.setIndependentRows(true);
        return s;
    }

    private DecoderState(ModelConfig c, int maxTokens, WorkerPool pool, int batch, boolean withCache) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
        }
        this.maxTokens = maxTokens;
        this.batch = batch;
        x = new float[batch * c.dim()];
        xb = new float[batch * c.dim()];
        xb2 = new float[batch * c.dim()];
        q = new float[batch * c.qDim()];
        k = new float[batch * c.kvDim()];
        v = new float[batch * c.vDim()];
        qkv = new float[batch * (c.qDim() + c.kvDim() + c.vDim())];
        att = new float[batch * c.heads() * c.valueDim()];
        scores = new float[maxTokens];
        valueLanes = new float[dev.caravel.tensor.kernel.AttentionValues.scratchSize(c.valueDim())];
        hb = new float[batch * 2 * c.ffnDim()];
        hb2 = new float[batch * c.ffnDim()];
        logits = new float[c.vocabSize()];
        rowCache = new DecoderState[batch];
        rowPosition = new int[batch];
        int cached = withCache ? maxTokens : 0;
        keyCache = new float[c.layers()][cached * c.kvDim()];
        valueCache = new float[c.layers()][cached * c.vDim()];
        parallel = new ParallelMatMul(pool);
        workerScores = new float[pool.size()][];
        workerValueLanes = new float[pool.size()][];
        workerScores[0] = scores;
        workerValueLanes[0] = valueLanes;
        for (int w = 1; w < pool.size(); w++) {
            workerScores[w] = new float[maxTokens];
            workerValueLanes[w] = new float[valueLanes.length];
        }
        int maxCols = Math.max(Math.max(c.dim(), c.heads() * c.valueDim()), c.ffnDim());
        scratch = new MatMulScratch(maxCols, batch, MatMulScratch.Numerics.fromProperty());
    }

    /**
     * Copies the keys and values of positions {@code 0..count-1} from {@code other}'s cache, so a sequence
     * starting with the same {@code count} tokens need not recompute them (a shared system prompt).
     */
    public void copyCacheFrom(DecoderState other, int count) {
        if (count < 0 || count > Math.min(maxTokens, other.maxTokens) || keyCache.length != other.keyCache.length) {
            throw new IllegalArgumentException("cannot copy " + count + " cached positions between these states");
        }
        for (int l = 0; l < keyCache.length; l++) {
            int kv = keyCache[l].length / maxTokens;
            int vv = valueCache[l].length / maxTokens;
            System.arraycopy(other.keyCache[l], 0, keyCache[l], 0, count * kv);
            System.arraycopy(other.valueCache[l], 0, valueCache[l], 0, count * vv);
        }
    }

    /** The (batch, vocab) buffer for every row's logits, made on first use. */
    float[] batchLogits(int vocab) {
        if (batchLogits == null) {
            batchLogits = new float[batch * vocab];
        }
        return batchLogits;
    }

    /**
     * One layer's attention for rows {@code 0..n-1}, as (row, head) pairs split over the pool's workers: each pair
     * writes its own slice of {@link #att} with its worker's score buffer, so the split changes no bits.
     */
    final class AttentionStep implements WorkerPool.Items {
        DecoderModel model;
        int layer;
        DecoderState[] caches;
        int[] positions;

        /** Item i: head i % heads of row i / heads (workers claim them one at a time: rows differ in length). */
        @Override
        public void run(int item, int worker) {
            int heads = model.config().heads();
            int r = item / heads;
            model.attendHead(layer, DecoderState.this, caches[r], r, positions[r], item % heads,
                    workerScores[worker], workerValueLanes[worker]);
        }
    }
}
