package dev.caravel.tensor.fast;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.WeightMatrix;
import dev.caravel.tensor.kernel.Dequantizer;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The fast matrix product: weight rows times float activations under {@link FloatLanes}' contract.
 *
 * <ul>
 *   <li>One activation row (decoding): the type's {@link FusedDot} streams the weight bytes once, two rows at a
 *       time; types without one dequantize each row into a per-thread buffer first.</li>
 *   <li>Several rows (a prompt chunk): four weight rows are dequantized into a per-thread buffer, then
 *       {@link FloatTiles} multiplies them with all activation rows in 4×4 register tiles — each weight block is
 *       decoded once per chunk, not once per token.</li>
 * </ul>
 * Both give the same bits for the same (row, activation) pair, so a prompt evaluated in chunks and the same tokens
 * evaluated one by one agree exactly, whatever the thread split. Nothing is allocated after a thread's first call.
 */
public final class FastMatMul {
    private FastMatMul() {
    }

    /** Per-thread row buffer (four dequantized rows) and the scalar twin's lane accumulators. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[16 * FloatLanes.LANES]});

    private static float[] rowBuffer(int floats) {
        float[][] b = BUFFERS.get();
        if (b[0].length < floats) {
            b[0] = new float[floats];
        }
        return b[0];
    }

    /**
     * {@code out[outOffset + b·rows + r] = lanedot(W[r, :], x[xOffset + b·cols ..])} for rows
     * {@code [rowStart, rowEnd)} and {@code b < batch}. Safe to call concurrently on disjoint row ranges.
     */
    public static void multiply(WeightMatrix w, float[] x, int xOffset, int batch, float[] out, int outOffset, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        Objects.checkFromToIndex(rowStart, rowEnd, rows);
        Objects.checkFromIndexSize(xOffset, Math.multiplyExact(batch, cols), x.length);
        Objects.checkFromIndexSize(outOffset, Math.multiplyExact(batch, rows), out.length);
        if (batch <= 0 || rowStart == rowEnd) {
            return;
        }
        if (!FloatLanes.VECTOR || cols % FloatLanes.LANES != 0) {
            scalar(w, x, xOffset, batch, out, outOffset, rowStart, rowEnd);
            return;
        }
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        FusedDot fused = batch == 1 ? FastKernels.fused(w.type()) : null;
        if (fused != null) {
            float[] lanes = BUFFERS.get()[1];
            int r = rowStart;
            for (; r + 2 <= rowEnd; r += 2) {
                fused.dot2(data, r * rowBytes, rowBytes, x, xOffset, cols, lanes);
                out[outOffset + r] = FloatLanes.foldAt(lanes, 0);
                out[outOffset + r + 1] = FloatLanes.foldAt(lanes, FloatLanes.LANES);
            }
            for (; r < rowEnd; r++) {
                fused.dot1(data, r * rowBytes, x, xOffset, cols, lanes);
                out[outOffset + r] = FloatLanes.foldAt(lanes, 0);
            }
            return;
        }
        Dequantizer dq = FastKernels.dequantizer(w.type());
        float[] buf = rowBuffer(4 * cols);
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            for (int j = 0; j < 4; j++) {
                dq.dequantize(data, (r + j) * rowBytes, buf, j * cols, cols);
            }
            FloatTiles.rows4(buf, 0, cols, x, xOffset, batch, out, outOffset + r, rows, BUFFERS.get()[1]);
        }
        for (; r < rowEnd; r++) {
            dq.dequantize(data, r * rowBytes, buf, 0, cols);
            FloatTiles.rows1(buf, 0, cols, x, xOffset, batch, out, outOffset + r, rows, BUFFERS.get()[1]);
        }
    }

    /** The row dequantizer the batched fast path uses for {@code type} (bit for bit ggml's; exposed for tests). */
    public static Dequantizer rowDequantizer(GgmlType type) {
        return FastKernels.dequantizer(type);
    }

    /** The scalar twin of the whole product (used when the Vector API kernels are off). */
    private static void scalar(WeightMatrix w, float[] x, int xOffset, int batch, float[] out, int outOffset, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        float[] buf = rowBuffer(cols);
        float[] acc = BUFFERS.get()[1];
        for (int r = rowStart; r < rowEnd; r++) {
            w.dequantizeRow(r, buf, 0);
            for (int b = 0; b < batch; b++) {
                out[outOffset + b * rows + r] = FloatLanes.dot(buf, 0, x, xOffset + b * cols, cols, acc, FloatLanes.LANES);
            }
        }
    }
}
