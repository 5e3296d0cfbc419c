package dev.caravel.tensor;

import dev.caravel.tensor.fast.FastMatMul;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.Panels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Matrix × activations. With {@link MatMulScratch.Numerics#FAST} numerics {@link FastMatMul} does the work on
 * float activations (Q4_1 and Q5_1 excepted, see below). With {@link MatMulScratch.Numerics#LLAMA_CPP} numerics
 * (the default) the product is computed the way llama.cpp's CPU backend computes {@code ggml_mul_mat}: each activation row
 * is converted once to the weight's {@code vec_dot_type} (Q8_0 / Q8_1 / Q8_K / F16 / BF16 / F32), then every
 * weight row is dotted with it by the type's kernel. A single activation row is multiplied the way
 * {@code ggml_vec_dot_*} does it, a batch (or a scratch set to {@link MatMulScratch#setBatchNumerics batch
 * numerics}) the way llama.cpp's batched path (tinyBLAS, repacked Q4_0 gemm) does; see
 * {@link dev.caravel.tensor.kernel.DotKernel#dotBatched}.
 *
 * <p>Shapes: W is (rows, cols); x is (n, cols) row-major; out is (n, rows) row-major:
 * {@code out[outOffset + b*rows + r] = dot(W[r, :], x[b, :])}.
 *
 * <p>Nothing is allocated per call; the converted activations live in a {@link MatMulScratch}.
 * For multi-threading: {@link #prepare} once, then {@link #multiplyPrepared} over disjoint row ranges
 * from several threads (they only read the scratch).
 */
public final class MatMul {
    private MatMul() {
    }

    /** out[r] = W[r,:]·x for every row r. x: (cols) at xOffset; out: (rows) at outOffset. */
    public static void matvec(WeightMatrix w, float[] x, int xOffset, float[] out, int outOffset, MatMulScratch scratch) {
        matmul(w, x, xOffset, 1, out, outOffset, scratch);
    }

    /** Batched: x is (n, cols) row-major at xOffset, out is (n, rows) row-major at outOffset. */
    public static void matmul(WeightMatrix w, float[] x, int xOffset, int n, float[] out, int outOffset, MatMulScratch scratch) {
        prepare(w, x, xOffset, n, scratch);
        multiplyPrepared(w, scratch, out, outOffset, 0, w.rows());
    }

    /**
     * Converts x (n, cols) to {@code w}'s vec_dot_type into {@code scratch}. The prepared activations serve
     * every matrix with the same vec_dot_type and cols (e.g. Q, K and V projections of one input).
     */
    public static void prepare(WeightMatrix w, float[] x, int xOffset, int n, MatMulScratch scratch) {
        scratch.prepare(w.vecDotType(), x, xOffset, n, w.cols());
    }

    /**
     * For rows {@code [rowStart, rowEnd)} of W and every prepared activation row b:
     * {@code out[outOffset + b*rows + r] = W[r,:]·x[b,:]}. Safe to call concurrently on disjoint row ranges.
     */
    public static void multiplyPrepared(WeightMatrix w, MatMulScratch prepared, float[] out, int outOffset, int rowStart, int rowEnd) {
        if (prepared.preparedType() != w.vecDotType() || prepared.preparedCols() != w.cols()) {
            throw new IllegalStateException("scratch holds " + prepared.preparedType() + " x " + prepared.preparedCols()
                    + " but " + w + " needs " + w.vecDotType() + " x " + w.cols());
        }
        MemorySegment panels = w.panels();
        if (panels != null && rowEnd - rowStart >= Panels.ROWS) {
            // whole panel groups inside the range go through the panel kernels (either numerics: they are llama.cpp's
            // and faster than the FAST ones); the rows around them, if any, through the row kernels below
            int g0 = (rowStart + Panels.ROWS - 1) / Panels.ROWS;
            int g1 = Math.min(rowEnd, Panels.panelRows(w.rows())) / Panels.ROWS;
            if (g0 < g1) {
                Panels.multiply(w.type(), panels, w.cols(), prepared.panelActivations(w.type()), prepared.preparedBatch(), out, outOffset, w.rows(), g0, g1);
                if (rowStart < g0 * Panels.ROWS) {
                    multiplyPrepared(w, prepared, out, outOffset, rowStart, g0 * Panels.ROWS);
                }
                if (g1 * Panels.ROWS < rowEnd) {
                    multiplyPrepared(w, prepared, out, outOffset, g1 * Panels.ROWS, rowEnd);
                }
                return;
            }
        }
        if (prepared.numerics() == MatMulScratch.Numerics.FAST && w.type() != GgmlType.Q4_1 && w.type() != GgmlType.Q5_1) {
            // (Q4_1/Q5_1: llama.cpp adds each block's minimum times an F16-rounded activation sum, Q8_1's s; a float
            // dot of the dequantized row lacks that rounding, so these two keep their llama.cpp kernels, which read
            // the activations that FAST prepare quantized anyway)
            FastMatMul.multiply(w, prepared.floats(), 0, prepared.preparedBatch(), out, outOffset, rowStart, rowEnd);
            return;
        }
        DotKernel kernel = w.dotKernel();
        Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        int rows = w.rows();
        int cols = w.cols();
        int n = prepared.preparedBatch();
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Activations a = prepared.activations();
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        if (prepared.usesBatchedNumerics()) {
            for (int r = rowStart; r < rowEnd; r++) {
                long off = r * rowBytes;
                int b = 0;
                for (; b + 4 <= n; b += 4) { // four activation rows per call: each weight block is unpacked once for them
                    kernel.dotBatched4(data, off, a, b * cols, cols, cols, out, outOffset + b * rows + r, rows);
                }
                for (; b < n; b++) {
                    out[outOffset + b * rows + r] = kernel.dotBatched(data, off, a, b * cols, cols);
                }
            }
        } else {
            // One-row numerics, also for several independent rows (continuous batching). For quantized weights the
            // batched products are the one-row ones (llama.cpp's vec_dot either way), so four rows share a call.
            boolean fourAtOnce = w.type().isQuantized();
            for (int r = rowStart; r < rowEnd; r++) {
                long off = r * rowBytes;
                int b = 0;
                if (fourAtOnce) {
                    for (; b + 4 <= n; b += 4) {
                        kernel.dotBatched4(data, off, a, b * cols, cols, cols, out, outOffset + b * rows + r, rows);
                    }
                }
                for (; b < n; b++) {
                    out[outOffset + b * rows + r] = kernel.dot(data, off, a, b * cols, cols);
                }
            }
        }
    }
}
