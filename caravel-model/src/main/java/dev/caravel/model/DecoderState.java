package dev.caravel.model;

import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.parallel.ParallelMatMul;
import dev.caravel.tensor.parallel.WorkerPool;
import dev.caravel.tensor.kernel.ActivationQuantizer;

/**
 * Everything one sequence needs while decoding: the KV cache and all activation buffers, sized
 * once so that the decode loop allocates nothing.
 */
public final class DecoderState {
    public final int maxTokens;
    public final float[] x;       // (dim) residual stream
    public final float[] xb;      // (max(dim, qDim, vHeadsDim)) normed input / attention output
    public final float[] xb2;     // (dim) block output before the residual add
    public final float[] q;       // (qDim)
    public final float[] k;       // (kvDim)
    public final float[] v;       // (vDim)
    public final float[] qkv;     // (qDim + kvDim + vDim) fused projections
    public final float[] att;     // (heads * valueDim) attention output before W_o
    public final float[] scores;  // (maxTokens) attention scores of one head
    public final float[] hb;      // (2 * ffnDim) gate (and fused up)
    public final float[] hb2;     // (ffnDim) up
    public final float[] logits;  // (vocab)
    public final float[][] keyCache;   // [layer] (maxTokens, kvDim)
    public final float[][] valueCache; // [layer] (maxTokens, vDim)
    public final MatMulScratch scratch;
    /** Splits each matrix product over the worker threads this state computes with. */
    public final ParallelMatMul parallel;

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
        this.maxTokens = maxTokens;
        int wide = Math.max(c.dim(), Math.max(c.qDim(), c.heads() * c.valueDim()));
        x = new float[c.dim()];
        xb = new float[wide];
        xb2 = new float[c.dim()];
        q = new float[c.qDim()];
        k = new float[c.kvDim()];
        v = new float[c.vDim()];
        qkv = new float[c.qDim() + c.kvDim() + c.vDim()];
        att = new float[c.heads() * c.valueDim()];
        scores = new float[maxTokens];
        hb = new float[2 * c.ffnDim()];
        hb2 = new float[c.ffnDim()];
        logits = new float[c.vocabSize()];
        keyCache = new float[c.layers()][maxTokens * c.kvDim()];
        valueCache = new float[c.layers()][maxTokens * c.vDim()];
        parallel = new ParallelMatMul(pool);
        scratch = new MatMulScratch(Math.max(Math.max(wide, 2 * c.ffnDim()), c.dim()), 1, ActivationQuantizer.Flavor.X86_SIMD);
    }
}
