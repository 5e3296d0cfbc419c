package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights re-laid out so that a SIMD lane holds a weight row ("panels"), for llama.cpp's repacked Q4_0
 * numerics: every output is {@code acc = fma((float) Σ_block w·q, dw·dq, acc)} block after block in a single
 * float lane (see {@link ScalarDotKernels#q4_0x8}, the scalar twin). llama.cpp repacks such matrices at load
 * time too ({@code block_q4_0x8}); our layout is our own, chosen for the Vector API, which has no byte
 * multiply-add: four activation rows form the products in float, where they are exact, and eight rows and one in
 * 16-bit integers ({@link VectorPairPanelKernels}, from activation pairs).
 *
 * <p><b>Layout.</b> Rows are grouped by {@link #ROWS} (16). For group g and 32-column block b, {@link #BLOCK_BYTES}
 * (320) bytes at {@code (g·nb + b)·320}, nb = cols/32:
 * <ul>
 *   <li>bytes 0..63: the 16 rows' scales as float32 (the F16 value, exact), row r at {@code 4r};</li>
 *   <li>bytes 64 + 64i .. (i = 0..3): 16 little-endian ints, row r's at {@code 4r}: bytes 4i..4i+3 of the row's
 *       16 quant bytes, as stored. Nibble j of that int (bits 4j..4j+3) is element
 *       {@code e(i, j) = 4i + j/2 + 16·(j & 1)} of the block (low nibbles are elements 0..15, high ones 16..31).</li>
 * </ul>
 * A 512-bit int load at {@code 64 + 64i} thus gives, in lane r, eight weights of row r; {@code v & (0xF << 4j)}
 * converted to float is {@code nibble · 16^j} exactly, so multiplying it by the activation pre-scaled by
 * {@code 16^-j} gives the exact product without a shift (nibble 7 is shifted down instead: {@code 15 << 28}
 * does not fit a positive int).
 *
 * <p><b>Activations</b> ({@link #prepareActivationRows}): for each Q8_0 block, its 32 quants as floats in the order
 * the weights are read ({@code panel[32B + 8i + j] = q[e(i, j)] · 16^-j}, {@code 16^0} for j = 7), and
 * {@code bias[B] = 8 · Σ q} to subtract the nibbles' offset of 8 once per block: Σ (n − 8)·q = Σ n·q − 8·Σ q.
 * Every partial sum is an integer below 2^24 (|Σ n·q| ≤ 32·15·127), so float addition is exact in any order,
 * and the block sum equals the integer one llama.cpp converts to float.
 *
 * <p>Groups that do not fill 16 rows (a matrix with {@code rows % 16 == 8}) stay in the original layout and
 * go through {@link DotKernel#dot} (the same numerics).
 */
final class Q4Panels {
    private Q4Panels() {
    }

    private static final int ROWS = Panels.ROWS;
    /** Bytes per group and 32-column block: 16 float scales, then 4 × 16 ints of quants. */
    static final int BLOCK_BYTES = 320;

    private static final ValueLayout.OfFloat LE_FLOAT_ALIGNED = ValueLayout.JAVA_FLOAT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT_ALIGNED = ValueLayout.JAVA_INT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** The factor nibble j of an int carries when masked in place: 16^-j (j = 7 is shifted down, so 1). */
    static final float[] NIBBLE_SCALE = {1f, 0x1p-4f, 0x1p-8f, 0x1p-12f, 0x1p-16f, 0x1p-20f, 0x1p-24f, 1f};

    /**
     * Whether a (rows, cols) matrix of {@code type} is multiplied through panels: Q4_0 with llama.cpp's repacked
     * numerics (rows % 8 == 0), at least one full group, and the Vector API kernels on (the panel kernels are
     * vector kernels; the scalar build keeps {@link ScalarDotKernels#q4_0x8}).
     */
    static boolean applies(GgmlType type, int rows, int cols) {
        return type == GgmlType.Q4_0 && rows % 8 == 0 && rows >= ROWS && cols % 32 == 0 && VectorWidth.enabled();
    }

    /** Bytes of the panels of a (rows, cols) matrix. */
    static long byteSize(int rows, int cols) {
        return (long) (rows / ROWS) * (cols / 32) * BLOCK_BYTES;
    }

    /**
     * Writes groups {@code [groupStart, groupEnd)} of the panels {@code p} (see {@link #byteSize}) of a Q4_0 matrix
     * stored row-major at {@code data} (rowBytes = cols/32 · 18).
     */
    static void fill(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 32;
        long rowBytes = 18L * nb;
        for (int g = groupStart; g < groupEnd; g++) {
            for (int b = 0; b < nb; b++) {
                long dst = ((long) g * nb + b) * BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) {
                    long src = (long) (g * ROWS + r) * rowBytes + 18L * b;
                    p.set(LE_FLOAT_ALIGNED, dst + 4L * r, Float.float16ToFloat(data.get(Bytes.LE_SHORT, src)));
                    for (int i = 0; i < 4; i++) {
                        p.set(LE_INT_ALIGNED, dst + 64 + 64L * i + 4L * r, data.get(Bytes.LE_INT, src + 2 + 4L * i));
                    }
                }
            }
        }
    }

    /**
     * First row of a batch that the four-row float kernel reads ({@link VectorPanelKernels#multiply4}): the full
     * groups of 8 before it go through the eight-row kernel.
     */
    static int fourRowsStart(int batch) {
        return batch / 8 * 8;
    }

    /** First row of a batch that the one-row kernel reads: a remainder of four to seven rows starts with a chunk of four. */
    static int oneRowsStart(int batch) {
        int four = fourRowsStart(batch);
        return batch - four >= 4 ? four + 4 : four;
    }

    /**
     * Fills the panel forms of Q8_0 activation rows {@code [rowStart, rowEnd)} of {@code batch} (already quantized:
     * qs and d; rowStart a multiple of 8), each only for the rows whose kernel reads it: the bias for every row, the
     * floats for the four-row kernel's, the pairs for the eight-row kernel's groups ({@link Activations#pairsX8()})
     * and for the one-row kernel's rows ({@link Activations#pairs()}). A decoding step thus converts its row once,
     * to pairs.
     */
    static void prepareActivationRows(Activations a, int batch, int cols, int rowStart, int rowEnd) {
        prepareBias(a, rowStart * cols, (rowEnd - rowStart) * cols);
        int floatsStart = Math.max(rowStart, fourRowsStart(batch));
        int floatsEnd = Math.min(rowEnd, oneRowsStart(batch));
        if (floatsStart < floatsEnd) {
            prepareFloats(a, floatsStart * cols, (floatsEnd - floatsStart) * cols);
        }
        byte[] qs = a.qs();
        int half = cols / 2;
        int g = rowStart;
        for (; g + 8 <= Math.min(rowEnd, fourRowsStart(batch)); g += 8) {
            for (int t = 0; t < 8; t++) {
                pairRow(qs, (g + t) * cols, a.pairsX8(), g * half + t, 8, half); // (G·cols/2)·8 with G = g/8
            }
        }
        for (int t = Math.max(rowStart, oneRowsStart(batch)); t < rowEnd; t++) {
            pairRow(qs, t * cols, a.pairs(), t * half, 1, half);
        }
    }

    /** {@code bias[B] = 8 · Σ q} of the blocks of activations {@code [aOff, aOff + n)} (multiples of 32). */
    private static void prepareBias(Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] bias = a.panelBias();
        for (int base = aOff; base < aOff + n; base += 32) {
            int sum = 0;
            for (int m = 0; m < 32; m++) {
                sum += qs[base + m];
            }
            bias[base >> 5] = 8 * sum;
        }
    }

    /** The pre-scaled floats of activations {@code [aOff, aOff + n)} (multiples of 32), see the class comment. */
    private static void prepareFloats(Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] panel = a.panel();
        for (int base = aOff; base < aOff + n; base += 32) {
            // panel[8i + j] = q[e(i, j)]: element m = 4i + j/2 of the low half goes to 2m (j even) and element
            // m + 16 of the high half to 2m + 1 (j odd), each with the scale of its nibble position j
            for (int m = 0; m < 16; m++) {
                panel[base + 2 * m] = qs[base + m] * NIBBLE_SCALE[2 * (m & 3)];
                panel[base + 2 * m + 1] = qs[base + 16 + m] * NIBBLE_SCALE[2 * (m & 3) + 1];
            }
        }
    }

    /** Writes the {@code half} pairs of the row whose quants start at {@code src}, {@code stride} ints apart from {@code dst}. */
    private static void pairRow(byte[] qs, int src, int[] x, int dst, int stride, int half) {
        for (int u = 0; u < half; u++) {
            // u = 16b + 4i + q: nibble q of int i is element 4i + q/2 + 16·(q & 1), nibble q + 4 that plus 2
            int b = u >> 4;
            int i = (u >> 2) & 3;
            int q = u & 3;
            int e = src + 32 * b + 4 * i + (q >> 1) + 16 * (q & 1);
            x[dst + stride * u] = (qs[e] & 0xFFFF) | (qs[e + 2] << 16);
        }
    }

    /**
     * For panel groups {@code [groupStart, groupEnd)} and every prepared activation row t &lt; n:
     * {@code out[outOffset + t·rows + r] = W[r,:]·x[t,:]} — bit-identical with {@link ScalarDotKernels#q4_0x8}
     * on the original rows. The activations must have their panel forms for a batch of n ({@link #prepareActivationRows}).
     */
    static void multiply(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                         int groupStart, int groupEnd) {
        VectorPanelKernels.multiply4(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
    }
}
