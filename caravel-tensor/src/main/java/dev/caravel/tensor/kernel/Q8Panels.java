package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 weights re-laid out so that a SIMD lane holds a weight row, for llama.cpp's Q8_0 numerics
 * ({@code ggml_vec_dot_q8_0_q8_0} with AVX2/VNNI, and tinyBLAS in batches): per block, 8 lanes, lane p the exact
 * sum of the products of elements 4p..4p+3, accumulated {@code acc_p = fma(dw·dq, lane_p, acc_p)} block after
 * block, the result {@code hsum_float_8(acc)} (see {@link ScalarDotKernels}' Q8_0 kernel, the scalar twin). Here
 * the 8 accumulators of a row are 8 vectors, one lane per row, so neither the lanes nor the final sum need a
 * horizontal step.
 *
 * <p><b>Layout.</b> Groups of {@link Panels#ROWS} (16) rows. For group g and 32-column block b,
 * {@link #BLOCK_BYTES} (576) bytes at {@code (g·nb + b)·576}:
 * <ul>
 *   <li>bytes 0..63: the 16 rows' scales as float32 (the F16 value, exact), row r at {@code 4r};</li>
 *   <li>bytes 64 + 64p .. (p = 0..7): 16 little-endian ints, row r's at {@code 4r}: the row's quants 4p..4p+3
 *       (ggml lane p) as stored.</li>
 * </ul>
 * Byte j of such an int, moved to the top byte and the rest cleared, converted to float, is
 * {@code q · 2^24} exactly; the activations are pre-scaled by {@code 2^-24} ({@link Activations#panel8()}), so
 * the products and their sums (at most 4·128·127) are exact in float.
 */
public final class Q8Panels {
    private Q8Panels() {
    }

    /** Bytes per group and 32-column block: 16 float scales, then 8 × 16 ints of quants. */
    public static final int BLOCK_BYTES = 576;

    private static final ValueLayout.OfFloat LE_FLOAT_ALIGNED = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT_ALIGNED = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether a (rows, cols) matrix of {@code type} is multiplied through Q8_0 panels. */
    static boolean applies(GgmlType type, int rows, int cols) {
        return type == GgmlType.Q8_0 && rows >= Panels.ROWS && cols % 32 == 0 && VectorWidth.enabled();
    }

    static long byteSize(int rows, int cols) {
        return (long) (rows / Panels.ROWS) * (cols / 32) * BLOCK_BYTES;
    }

    /** Writes groups {@code [groupStart, groupEnd)} of the panels {@code p} of a Q8_0 matrix (rowBytes = cols/32 · 34). */
    static void fill(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 32;
        long rowBytes = 34L * nb;
        for (int g = groupStart; g < groupEnd; g++) {
            for (int b = 0; b < nb; b++) {
                long dst = ((long) g * nb + b) * BLOCK_BYTES;
                for (int r = 0; r < Panels.ROWS; r++) {
                    long src = (long) (g * Panels.ROWS + r) * rowBytes + 34L * b;
                    p.set(LE_FLOAT_ALIGNED, dst + 4L * r, Float.float16ToFloat(data.get(Bytes.LE_SHORT, src)));
                    for (int q = 0; q < 8; q++) {
                        p.set(LE_INT_ALIGNED, dst + 64 + 64L * q + 4L * r, data.get(Bytes.LE_INT, src + 2 + 4L * q));
                    }
                }
            }
        }
    }

    /** The panel form of Q8_0 activations {@code [aOff, aOff + n)}: {@code panel8[e] = q[e] · 2^-24}. */
    static void prepareActivations(Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] p8 = a.panel8();
        for (int e = aOff; e < aOff + n; e++) {
            p8[e] = qs[e] * 0x1p-24f;
        }
    }

    /** Scalar reading of the layout (tests): row r's dot product with activation row t, in the kernels' order. */
    static float dotScalar(MemorySegment panels, int cols, Activations a, int t, int r) {
        int nb = cols / 32;
        int g = r / Panels.ROWS;
        int lane = r % Panels.ROWS;
        float[] acc = new float[8];
        for (int b = 0; b < nb; b++) {
            long o = ((long) g * nb + b) * BLOCK_BYTES;
            int ao = (t * nb + b) * 32;
            float scale = panels.get(LE_FLOAT_ALIGNED, o + 4L * lane) * a.d()[t * nb + b];
            for (int q = 0; q < 8; q++) {
                int v = panels.get(LE_INT_ALIGNED, o + 64 + 64L * q + 4L * lane);
                float lanesum = 0;
                for (int j = 0; j < 4; j++) {
                    lanesum = Math.fma((float) ((v << (24 - 8 * j)) & 0xFF000000), a.panel8()[ao + 4 * q + j], lanesum);
                }
                acc[q] = Math.fma(lanesum, scale, acc[q]);
            }
        }
        return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    }
}
