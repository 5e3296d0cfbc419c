package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q5_0 weights re-laid out so that a SIMD lane holds a weight row, for llama.cpp's Q5_0 numerics
 * ({@code ggml_vec_dot_q5_0_q8_0} with AVX2, and tinyBLAS in batches): the Q8_0 lane structure (see
 * {@link Q8Panels}) with weight values {@code (nibble | fifth bit << 4) − 16}: per block, 8 lanes, lane p the exact
 * sum of the products of elements 4p..4p+3, {@code acc_p = fma(dw·dq, lane_p, acc_p)} block after block, the result
 * {@code hsum_float_8(acc)} ({@link ScalarDotKernels}' Q5_0 kernel is the scalar twin).
 *
 * <p><b>Layout.</b> Groups of {@link Panels#ROWS} (16) rows. For group g and 32-column block b, {@link #BLOCK_BYTES}
 * (384) bytes at {@code (g·nb + b)·384}, nb = cols/32; u(e) = nibble | fifth bit &lt;&lt; 4 (0..31) is element e's
 * stored value plus 16:
 * <ul>
 *   <li>bytes 0..63: the 16 rows' scales as float32 (the F16 value, exact), row r at {@code 4r};</li>
 *   <li>bytes 64 + 64j .. (j = 0..4): 16 little-endian ints, row r's at {@code 4r}:
 *     <ul>
 *       <li>int j &lt; 4: bits 5p..5p+4 = u(4p + j) for p = 0..5 (element j of ggml lanes 0..5); bit 30 the fifth bit
 *           of u(24 + j), bit 31 that of u(28 + j) (element j of lanes 6 and 7);</li>
 *       <li>int 4: bits 8j..8j+3 the nibble of u(24 + j), bits 8j+4..8j+7 that of u(28 + j), j = 0..3.</li>
 *     </ul></li>
 * </ul>
 * So 5 bits a weight as stored (20 bytes a row and block, 32 with the scale widened to float, against 22 stored).
 * A weight of lanes 0..5 comes out of its int with one AND: {@code v & (0x1F << 5p)} converted to float is
 * {@code u · 2^5p} exactly, and the activation pre-scaled by {@code 2^-5p} gives the exact product. Element j of
 * lanes 6 and 7 is put together from its nibble in int 4 and its fifth bit in int j: with {@code n = v4 >>> 8j},
 * {@code (n & 0xF) | ((vj >>> 26) & 0x10)} is u for lane 6 and {@code (n & 0xF0) | ((vj >>> 23) & 0x100)} is
 * {@code 16·u} for lane 7.
 *
 * <p><b>Activations</b> ({@link #prepareActivations}, {@link Activations#panel5()}): per Q8_0 block B, 32 floats
 * in the order the kernels read them: {@code [32B + 6j + p] = q(4p + j)·2^-5p} (j &lt; 4, p &lt; 6) and
 * {@code [32B + 24 + j] = q(24 + j)}, {@code [32B + 28 + j] = q(28 + j)/16}; and per ggml lane p of the block
 * {@code bias[8B + p] = −16·Σ_{t<4} q(4p + t)}, the start value of the lane sum, which takes off the offset of 16:
 * Σ (u − 16)·q = −16·Σ q + Σ u·q. Every partial sum is an integer of magnitude below 2^15, so float addition is
 * exact in any order and each lane sum equals llama.cpp's integer one.
 *
 * <p><b>Why this layout.</b> The simplest exact panel would expand Q5_0 to signed bytes and reuse the Q8_0 layout
 * and kernels: 576 bytes a group and block, 1.64 × the stored bytes, against 384 (1.09 ×) here. Measured with a
 * (rows × 896) matrix, one thread, 512-bit kernels, on a 2-core AVX-512 Xeon shared with other work (best of 15–21
 * interleaved bursts of thread CPU time, so only roughly comparable), in GMAC/s (weights × activation rows a
 * second):
 * <pre>
 *                                      row kernel   as Q8_0 panels   this layout
 *   1 row, 896 rows (in cache)            6.4           17.7–18.1       18.1–18.4
 *   1 row, 300000 rows (from DRAM)        5.7            8.5             9.3
 *   4 rows, 896 rows                     13.0           25.3            24.4
 *   16 rows, 896 rows                    13.3           26.2            24.8
 * </pre>
 * From DRAM that is 6.4 GB/s of stored Q5_0 (7.0 GB/s of panels) against 5.9 (9.6 of panels) for the expanded
 * form. Decoding streams the weights from memory, where the smaller panels win, and they cost a third less memory;
 * prompt chunks, which are compute-bound, lose a few percent to the extra unpacking.
 */
final class Q5Panels {
    private Q5Panels() {
    }

    /** Bytes per group and 32-column block: 16 float scales, then 5 × 16 ints of 5-bit fields. */
    static final int BLOCK_BYTES = 384;

    private static final ValueLayout.OfFloat LE_FLOAT_ALIGNED = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT_ALIGNED = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The factor a field at bits 5k.. carries when masked in place: 2^-5k. */
    private static final float[] FIELD_SCALE = {1f, 0x1p-5f, 0x1p-10f, 0x1p-15f, 0x1p-20f, 0x1p-25f};

    /** Whether a (rows, cols) matrix of {@code type} is multiplied through Q5_0 panels. */
    static boolean applies(GgmlType type, int rows, int cols) {
        return type == GgmlType.Q5_0 && rows >= Panels.ROWS && cols % 32 == 0 && VectorWidth.enabled();
    }

    static long byteSize(int rows, int cols) {
        return (long) (rows / Panels.ROWS) * (cols / 32) * BLOCK_BYTES;
    }

    /** Writes groups {@code [groupStart, groupEnd)} of the panels {@code p} of a Q5_0 matrix (rowBytes = cols/32 · 22). */
    static void fill(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 32;
        long rowBytes = 22L * nb;
        int[] u = new int[32];
        int[] v = new int[5];
        for (int g = groupStart; g < groupEnd; g++) {
            for (int b = 0; b < nb; b++) {
                long dst = ((long) g * nb + b) * BLOCK_BYTES;
                for (int r = 0; r < Panels.ROWS; r++) {
                    long src = (long) (g * Panels.ROWS + r) * rowBytes + 22L * b;
                    p.set(LE_FLOAT_ALIGNED, dst + 4L * r, Float.float16ToFloat(data.get(Bytes.LE_SHORT, src)));
                    int qh = data.get(Bytes.LE_INT, src + 2);
                    for (int e = 0; e < 16; e++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, src + 6 + e) & 0xFF;
                        u[e] = (q & 0xF) | ((qh >>> e) & 1) << 4;
                        u[e + 16] = (q >>> 4) | ((qh >>> (e + 16)) & 1) << 4;
                    }
                    pack(u, v);
                    for (int j = 0; j < 5; j++) {
                        p.set(LE_INT_ALIGNED, dst + 64 + 64L * j + 4L * r, v[j]);
                    }
                }
            }
        }
    }

    /** The five ints of a row's block from its 32 values u (0..31); see the class comment. */
    static void pack(int[] u, int[] v) {
        int w4 = 0;
        for (int j = 0; j < 4; j++) {
            int w = 0;
            for (int p = 0; p < 6; p++) {
                w |= u[4 * p + j] << (5 * p);
            }
            v[j] = w | (u[24 + j] >>> 4) << 30 | (u[28 + j] >>> 4) << 31;
            w4 |= (u[24 + j] & 0xF) << (8 * j) | (u[28 + j] & 0xF) << (8 * j + 4);
        }
        v[4] = w4;
    }

    /** The panel form of Q8_0 activations {@code [aOff, aOff + n)} (multiples of 32); see the class comment. */
    static void prepareActivations(Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] p5 = a.panel5();
        float[] bias = a.panel5Bias();
        for (int base = aOff; base < aOff + n; base += 32) {
            for (int j = 0; j < 4; j++) {
                for (int p = 0; p < 6; p++) {
                    p5[base + 6 * j + p] = qs[base + 4 * p + j] * FIELD_SCALE[p];
                }
            }
            for (int j = 0; j < 4; j++) {
                p5[base + 24 + j] = qs[base + 24 + j];
                p5[base + 28 + j] = qs[base + 28 + j] * 0x1p-4f;
            }
            int bb = base >> 2;
            for (int p = 0; p < 8; p++) {
                bias[bb + p] = -16 * (qs[base + 4 * p] + qs[base + 4 * p + 1] + qs[base + 4 * p + 2] + qs[base + 4 * p + 3]);
            }
        }
    }

    /** Scalar reading of the layout (tests): row r's dot product with activation row t, in the kernels' order. */
    static float dotScalar(MemorySegment panels, int cols, Activations a, int t, int r) {
        int nb = cols / 32;
        int g = r / Panels.ROWS;
        int lane = r % Panels.ROWS;
        float[] af = a.panel5();
        float[] bias = a.panel5Bias();
        float[] acc = new float[8];
        int[] v = new int[5];
        for (int b = 0; b < nb; b++) {
            long o = ((long) g * nb + b) * BLOCK_BYTES;
            int ao = (t * nb + b) * 32;
            int bo = (t * nb + b) * 8;
            for (int j = 0; j < 5; j++) {
                v[j] = panels.get(LE_INT_ALIGNED, o + 64 + 64L * j + 4L * lane);
            }
            float[] s = new float[8];
            for (int p = 0; p < 8; p++) {
                s[p] = bias[bo + p];
            }
            for (int j = 0; j < 4; j++) {
                for (int p = 0; p < 6; p++) {
                    s[p] = Math.fma((float) (v[j] & 0x1F << 5 * p), af[ao + 6 * j + p], s[p]);
                }
                int u6 = v[4] >>> 8 * j & 0xF | v[j] >>> 26 & 0x10;
                int u7 = v[4] >>> 8 * j & 0xF0 | v[j] >>> 23 & 0x100; // 16·u
                s[6] = Math.fma((float) u6, af[ao + 24 + j], s[6]);
                s[7] = Math.fma((float) u7, af[ao + 28 + j], s[7]);
            }
            float scale = panels.get(LE_FLOAT_ALIGNED, o + 4L * lane) * a.d()[t * nb + b];
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(s[p], scale, acc[p]);
            }
        }
        return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    }
}
