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
        hb = new float[batch * 2 * c.ffnDim()];
        hb2 = new float[batch * c.ffnDim()];
        logits = new float[c.vocabSize()];
        keyCache = new float[c.layers()][maxTokens * c.kvDim()];
        valueCache = new float[c.layers()][maxTokens * c.vDim()];
        parallel = new ParallelMatMul(pool);
        int maxCols = Math.max(Math.max(c.dim(), c.heads() * c.valueDim()), c.ffnDim());
        scratch = new MatMulScratch(maxCols, batch, MatMulScratch.Numerics.fromProperty());
    }

    /** The (batch, vocab) buffer for every row's logits, made on first use. */
    float[] batchLogits(int vocab) {
        if (batchLogits == null) {
            batchLogits = new float[batch * vocab];
        }
        return batchLogits;
    }
}
