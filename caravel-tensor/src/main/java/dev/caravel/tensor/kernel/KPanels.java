package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_K, Q5_K and Q6_K weights re-laid out so that a SIMD lane holds a weight row ("panels", see {@link Panels}),
 * for llama.cpp's AVX2 K-quant numerics ({@link ScalarDotKernels#q4_K}, {@link ScalarDotKernels#q5_K},
 * {@link ScalarDotKernels#q6_K}, the scalar twins), in exactly (Q4_K, Q5_K) or almost exactly (Q6_K: +1%) the
 * stored number of bytes.
 *
 * <p><b>The numerics to reproduce.</b> Per 256-element superblock ggml forms 8 int32 lanes: lane p (0..7) is
 * the exact sum of scale·quant·q8 over the elements e with {@code (e mod 32) / 4 == p}, i.e. elements
 * {@code 32s + 4p + t} of the 8 sub-blocks s (32 elements each) and t = 0..3. Then
 * {@code acc_p = fma(d, (float) lane_p, acc_p)} superblock after superblock (d = q8.d · F16(d)), and the row's
 * result is {@code hsum_float_8(acc)}. Q4_K adds its mins term, 4 float accumulators
 * {@code accM_k = fma(dmin, m[2k]·q8s[2k] + m[2k+1]·q8s[2k+1], accM_k)} (dmin = −q8.d · F16(dmin), q8s the sum
 * of a sub-block's 32 activations) and the result is {@code hsum_float_8(acc) + ((accM0 + accM2) + (accM1 + accM3))};
 * Q5_K one float, {@code summs = fma(dmin, Σ m[s]·q8s[s], summs)}, and the result {@code hsum_float_8(acc) + summs}.
 *
 * <p>Here the 8 lanes of a row are 8 passes (p = 0..7) over the row group's superblocks, each pass one float
 * accumulator per row: vector lane r = row r. A pass's lane sum is formed in float from exactly representable
 * products; every partial sum is an integer (times a power of two) below 2^24 in magnitude, so float addition
 * is exact in any order and {@code lane_p} comes out as ggml's integer:
 * <ul>
 *   <li>Q4_K: |lane_p| ≤ 32 elements · 63 (scale) · 15 (quant) · 127 (q8) &lt; 2^22; Q5_K: 31 for 15, &lt; 2^23;</li>
 *   <li>Q6_K: |lane_p| ≤ 32 · 128 · 32 · 127 &lt; 2^24, where each group of 4 elements (one scale) sums
 *       {@code Σ u·q − 32·Σ q} with the stored unsigned u = quant + 32 (|·| ≤ 4 · 95 · 127) before its scale
 *       multiplies it (an unsigned sum over the whole lane could reach 2^25, hence the per-group bias);</li>
 *   <li>the mins: m·q8s &lt; 63 · 4064, Σ over a superblock &lt; 2^21, exact.</li>
 * </ul>
 *
 * <p>Quants are read with a mask in place, {@code v & (field << shift)} converted to float being
 * {@code value · 2^shift} exactly; the activations are pre-scaled by {@code 2^-shift} instead of shifting each
 * weight down ({@link Activations#kpanel4()}, {@link Activations#kpanel6()}), and the scales are read the same
 * way with their factor folded into the activations too ({@link Activations#kpanel5()} for Q5_K).
 *
 * <p><b>Q4_K layout.</b> Groups of {@link Panels#ROWS} rows; nb = cols/256 superblocks. Group g occupies
 * {@code nb · 2304} bytes (16 rows × 144, the stored size) from {@code g · nb · 2304}:
 * <ul>
 *   <li>scales, {@link #Q4K_SCALES} (256) bytes per superblock b at {@code 256b}: four vectors of 16
 *       little-endian ints, row r's at {@code 4r}: the block's bytes 4..7 (A), 8..11 (B), 12..15 (C) — the
 *       packed 6-bit scales and mins as stored — and bytes 0..3 (D: F16 d in the low half, F16 dmin in the
 *       high half);</li>
 *   <li>quants from {@code 256·nb}, {@link #Q4K_QUANTS} (256) bytes per pass p and superblock b at
 *       {@code 256·nb + 256·(p·nb + b)}: for j = 0..3, 16 ints (row r's at {@code 64j + 4r}): the row's quant
 *       bytes {@code 32j + 4p .. 32j + 4p + 3} as stored. Byte t's low nibble is element {@code 64j + 4p + t}
 *       (sub-block 2j), its high nibble element {@code 64j + 32 + 4p + t} (sub-block 2j+1): all of lane p.</li>
 * </ul>
 * Scales decode in int lanes to the masked-in-place form: sub-block s's scale is {@code sc·2^(8(s mod 4))}
 * (s &lt; 4: {@code A & (63 << 8s)}; s ≥ 4: of {@code (C & 0x0F0F0F0F) | ((A >>> 2) & 0x30303030)}; mins likewise
 * from B and C), d and dmin by moving the F16 bits into a float's and multiplying by 2^112.
 *
 * <p><b>Q6_K layout.</b> Group g occupies {@code nb · 3392} bytes (16 × 212; stored 210: d is kept as a float):
 * <ul>
 *   <li>scales, {@link #Q6K_SCALES} (320) bytes per superblock at {@code 320b}: four vectors of ints, the
 *       block's 16 signed scale bytes as stored (bytes 192..207), then 16 floats: d;</li>
 *   <li>quants from {@code 320·nb}, {@link #Q6K_QUANTS} (384) bytes per pass p and superblock b at
 *       {@code 320·nb + 384·(p·nb + b)}: six vectors I0..I5 of 16 ints holding lane p's 32 unsigned 6-bit
 *       quants u (= q + 32) of the row: group G = 0..7 is elements {@code 32G + 4p + t} (t = 0..3; one scale,
 *       number {@code 2G + (p ≥ 4 ? 1 : 0)}). Field f (bits 6f..6f+5) of I_i: group i, t = f for f &lt; 4
 *       (i = 0..5); field 4: group 6, t = i for i &lt; 4, group 7, t = i − 4 for i = 4, 5. The two remaining
 *       quants, group 7 t = 2 and t = 3, are split over the top two bits of I0, I1, I2 (bits 0..1, 2..3, 4..5 of
 *       u) and of I3, I4, I5.</li>
 * </ul>
 * 32 · 6 bits = six ints: no bit is wasted.
 *
 * <p><b>Q5_K layout.</b> Group g occupies {@code nb · 2816} bytes (16 × 176, the stored size): the scales section
 * as Q4_K's ({@link #Q5K_SCALES}), then {@link #Q5K_QUANTS} (320) bytes per pass p and superblock b at
 * {@code 256·nb + 320·(p·nb + b)}: five vectors I0..I4 holding lane p's 32 5-bit quants, sub-block s's 4
 * (elements {@code 32s + 4p + t}) as follows. Field f (bits 5f..5f+4) of I_i: sub-block i, t = f for f &lt; 4
 * (i = 0..4); field 4 of I0..I3: sub-block 5, t = i; field 5: sub-block 6, t = i; fields 4 and 5 of I4: sub-block 7,
 * t = 0 and 1. Sub-block 7's t = 2 and t = 3 are split over the top bits: bits 0..1 in I0 (I2 for t = 3), bits
 * 2..3 in I1 (I3), bit 4 in bit 30 (31) of I4.
 */
final class KPanels {
    private KPanels() {
    }

    private static final int ROWS = Panels.ROWS;

    /** Q4_K bytes per group and superblock for the scales (A, B, C, D vectors). */
    static final int Q4K_SCALES = 256;
    /** Q4_K bytes per group, pass and superblock of quants (4 vectors). */
    static final int Q4K_QUANTS = 256;
    /** Q4_K bytes per group and superblock in all. */
    static final int Q4K_BLOCK = Q4K_SCALES + 8 * Q4K_QUANTS;
    /** Q6_K bytes per group and superblock for the scales (4 int vectors, 1 float vector). */
    static final int Q6K_SCALES = 320;
    /** Q6_K bytes per group, pass and superblock of quants (6 vectors). */
    static final int Q6K_QUANTS = 384;
    static final int Q6K_BLOCK = Q6K_SCALES + 8 * Q6K_QUANTS;
    /** Q5_K bytes per group and superblock for the scales (as Q4_K's). */
    static final int Q5K_SCALES = Q4K_SCALES;
    /** Q5_K bytes per group, pass and superblock of quants (5 vectors). */
    static final int Q5K_QUANTS = 320;
    static final int Q5K_BLOCK = Q5K_SCALES + 8 * Q5K_QUANTS;

    /** {@code caravel.kpanels}: whether Q4_K/Q5_K/Q6_K matrices get panels (default on). */
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("caravel.kpanels", "true"));

    private static final ValueLayout.OfFloat LE_FLOAT_ALIGNED = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT_ALIGNED = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The Q4_K activation pre-scale of position {@code 4s + t} of a pass (sub-block s, t = 0..3): 2^-(shift of
     * the nibble in its int + shift of the sub-block's scale byte). Low nibbles (s even) sit at 8t, high ones at
     * 8t + 4 (t = 3 is shifted down instead: {@code 0xF0 << 24} does not fit a positive int).
     */
    static final float[] Q4K_FACTOR = new float[32];
    /**
     * The Q6_K activation pre-scale of position {@code 4G + t}: 2^-24 for the scale (its byte moved to the top of
     * an int), times 2^-6f for the quant's field f.
     */
    static final float[] Q6K_FACTOR = new float[32];
    /** The Q5_K activation pre-scale of position {@code 4s + t}: the quant's field shift and the scale's byte shift. */
    static final float[] Q5K_FACTOR = new float[32];

    static {
        for (int s = 0; s < 8; s++) {
            for (int t = 0; t < 4; t++) {
                int shift = (s & 1) == 0 ? 8 * t : t == 3 ? 0 : 8 * t + 4;
                Q4K_FACTOR[4 * s + t] = Math.scalb(1f, -shift - 8 * (s & 3));
                int field = s < 6 ? 6 * t : s == 6 || t < 2 ? 24 : 0;
                Q6K_FACTOR[4 * s + t] = Math.scalb(1f, -24 - field);
                int field5 = s < 5 ? 5 * t : s == 5 ? 20 : s == 6 ? 25 : t == 0 ? 20 : t == 1 ? 25 : 0;
                Q5K_FACTOR[4 * s + t] = Math.scalb(1f, -field5 - 8 * (s & 3));
            }
        }
    }

    /** Whether a (rows, cols) matrix of {@code type} is multiplied through K-quant panels. */
    static boolean applies(GgmlType type, int rows, int cols) {
        return (type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K) && ENABLED && rows >= ROWS && cols % 256 == 0
                && VectorWidth.enabled();
    }

    static long byteSize(GgmlType type, int rows, int cols) {
        int block = switch (type) {
            case Q4_K -> Q4K_BLOCK;
            case Q5_K -> Q5K_BLOCK;
            case Q6_K -> Q6K_BLOCK;
            default -> throw new IllegalArgumentException("no K panels for " + type);
        };
        return (long) (rows / ROWS) * (cols / 256) * block;
    }

    /** Builds the panels of the first {@link Panels#panelRows} rows of a Q4_K, Q5_K or Q6_K matrix. */
    /** Writes groups [groupStart, groupEnd) of the panels {@code p} (see {@link #byteSize}) of a K-quant matrix. */
    static void fill(GgmlType type, MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        switch (type) {
            case Q4_K -> buildQ4K(data, rows, cols, p, groupStart, groupEnd);
            case Q5_K -> buildQ5K(data, rows, cols, p, groupStart, groupEnd);
            default -> buildQ6K(data, rows, cols, p, groupStart, groupEnd);
        }
    }

    private static void buildQ4K(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 256;
        long rowBytes = 144L * nb;
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * Q4K_BLOCK;
            for (int r = 0; r < ROWS; r++) {
                for (int b = 0; b < nb; b++) {
                    long src = (long) (g * ROWS + r) * rowBytes + 144L * b;
                    long sc = base + (long) Q4K_SCALES * b + 4L * r;
                    p.set(LE_INT_ALIGNED, sc, data.get(Bytes.LE_INT, src + 4));
                    p.set(LE_INT_ALIGNED, sc + 64, data.get(Bytes.LE_INT, src + 8));
                    p.set(LE_INT_ALIGNED, sc + 128, data.get(Bytes.LE_INT, src + 12));
                    p.set(LE_INT_ALIGNED, sc + 192, data.get(Bytes.LE_INT, src));
                    for (int lp = 0; lp < 8; lp++) {
                        long q = base + (long) Q4K_SCALES * nb + (long) Q4K_QUANTS * ((long) lp * nb + b) + 4L * r;
                        for (int j = 0; j < 4; j++) {
                            p.set(LE_INT_ALIGNED, q + 64L * j, data.get(Bytes.LE_INT, src + 16 + 32 * j + 4 * lp));
                        }
                    }
                }
            }
        }
    }

    private static void buildQ5K(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 256;
        long rowBytes = 176L * nb;
        int[] u = new int[256];
        int[] words = new int[5];
        byte[] blk = new byte[192];
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * Q5K_BLOCK;
            for (int r = 0; r < ROWS; r++) {
                for (int b = 0; b < nb; b++) {
                    long src = (long) (g * ROWS + r) * rowBytes + 176L * b;
                    long sc = base + (long) Q5K_SCALES * b + 4L * r;
                    p.set(LE_INT_ALIGNED, sc, data.get(Bytes.LE_INT, src + 4));
                    p.set(LE_INT_ALIGNED, sc + 64, data.get(Bytes.LE_INT, src + 8));
                    p.set(LE_INT_ALIGNED, sc + 128, data.get(Bytes.LE_INT, src + 12));
                    p.set(LE_INT_ALIGNED, sc + 192, data.get(Bytes.LE_INT, src));
                    q5kQuants(data, src, blk, u);
                    for (int lp = 0; lp < 8; lp++) {
                        long q = base + (long) Q5K_SCALES * nb + (long) Q5K_QUANTS * ((long) lp * nb + b) + 4L * r;
                        q5kPass(u, lp, words);
                        for (int i = 0; i < 5; i++) {
                            p.set(LE_INT_ALIGNED, q + 64L * i, words[i]);
                        }
                    }
                }
            }
        }
    }

    /** The 256 5-bit quants of the Q5_K block at {@code src}, in element order. */
    static void q5kQuants(MemorySegment data, long src, byte[] blk, int[] u) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, src + 16, blk, 0, 160);
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) {
                int q = blk[32 + 32 * j + l] & 0xFF;
                int h = blk[l] & 0xFF;
                u[64 * j + l] = (q & 0xF) | (((h >>> (2 * j)) & 1) << 4);
                u[64 * j + 32 + l] = (q >>> 4) | (((h >>> (2 * j + 1)) & 1) << 4);
            }
        }
    }

    /** Pass p's five ints (I0..I4, see the class comment) from a block's quants u, into w. */
    static void q5kPass(int[] u, int lp, int[] w) {
        java.util.Arrays.fill(w, 0);
        for (int i = 0; i < 5; i++) {
            for (int f = 0; f < 4; f++) {
                w[i] |= u[32 * i + 4 * lp + f] << (5 * f);
            }
            int f4 = i < 4 ? u[32 * 5 + 4 * lp + i] : u[32 * 7 + 4 * lp];
            int f5 = i < 4 ? u[32 * 6 + 4 * lp + i] : u[32 * 7 + 4 * lp + 1];
            w[i] |= f4 << 20 | f5 << 25;
        }
        int a = u[32 * 7 + 4 * lp + 2];
        int c = u[32 * 7 + 4 * lp + 3];
        w[0] |= (a & 3) << 30;
        w[1] |= ((a >>> 2) & 3) << 30;
        w[2] |= (c & 3) << 30;
        w[3] |= ((c >>> 2) & 3) << 30;
        w[4] |= (a >>> 4) << 30 | (c >>> 4) << 31;
    }

    private static void buildQ6K(MemorySegment data, int rows, int cols, MemorySegment p, int groupStart, int groupEnd) {
        int nb = cols / 256;
        long rowBytes = 210L * nb;
        int[] u = new int[256];
        int[] words = new int[6];
        byte[] blk = new byte[192];
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * Q6K_BLOCK;
            for (int r = 0; r < ROWS; r++) {
                for (int b = 0; b < nb; b++) {
                    long src = (long) (g * ROWS + r) * rowBytes + 210L * b;
                    long sc = base + (long) Q6K_SCALES * b + 4L * r;
                    for (int k = 0; k < 4; k++) {
                        p.set(LE_INT_ALIGNED, sc + 64L * k, data.get(Bytes.LE_INT, src + 192 + 4 * k));
                    }
                    p.set(LE_FLOAT_ALIGNED, sc + 256, Bytes.f16(data, src + 208));
                    q6kQuants(data, src, blk, u);
                    for (int lp = 0; lp < 8; lp++) {
                        long q = base + (long) Q6K_SCALES * nb + (long) Q6K_QUANTS * ((long) lp * nb + b) + 4L * r;
                        q6kPass(u, lp, words);
                        for (int i = 0; i < 6; i++) {
                            p.set(LE_INT_ALIGNED, q + 64L * i, words[i]);
                        }
                    }
                }
            }
        }
    }

    /** The 256 unsigned 6-bit quants (q + 32) of the Q6_K block at {@code src}, in element order. */
    static void q6kQuants(MemorySegment data, long src, byte[] blk, int[] u) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, src, blk, 0, 192);
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int h = blk[128 + 32 * half + l] & 0xFF;
                int a = blk[64 * half + l] & 0xFF;
                int c = blk[64 * half + l + 32] & 0xFF;
                int e = 128 * half + l;
                u[e] = (a & 0xF) | ((h & 3) << 4);
                u[e + 32] = (c & 0xF) | (((h >>> 2) & 3) << 4);
                u[e + 64] = (a >>> 4) | (((h >>> 4) & 3) << 4);
                u[e + 96] = (c >>> 4) | (((h >>> 6) & 3) << 4);
            }
        }
    }

    /** Pass p's six ints (I0..I5, see the class comment) from a block's quants u, into w. */
    static void q6kPass(int[] u, int lp, int[] w) {
        java.util.Arrays.fill(w, 0);
        for (int i = 0; i < 6; i++) {
            for (int f = 0; f < 4; f++) {
                w[i] |= u[32 * i + 4 * lp + f] << (6 * f);
            }
            int field4 = i < 4 ? u[32 * 6 + 4 * lp + i] : u[32 * 7 + 4 * lp + i - 4];
            w[i] |= field4 << 24;
        }
        for (int k = 0; k < 2; k++) {
            int split = u[32 * 7 + 4 * lp + 2 + k];
            for (int i = 0; i < 3; i++) {
                w[3 * k + i] |= ((split >>> (2 * i)) & 3) << 30;
            }
        }
    }

    /**
     * Fills the panel forms that {@code type}'s kernels read of Q8_K activations {@code [aOff, aOff + n)} of {@code a}
     * (qs, d, bsums already quantized; multiples of 256; the arrays reserved with {@link Activations#reserveKPanels}):
     * for each superblock starting at element E and pass p, position
     * {@code 4s + t} holds element {@code E + 32s + 4p + t} pre-scaled for the type ({@link Activations#kpanel4()},
     * {@link Activations#kpanel5()}, {@link Activations#kpanel6()}), plus the Q4_K/Q5_K sub-block sums
     * ({@link Activations#kpanel4Mins()}) or the Q6_K group biases ({@link Activations#kpanel6Bias()}).
     */
    static void prepareActivations(GgmlType type, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] form = switch (type) {
            case Q4_K -> a.kpanel4();
            case Q5_K -> a.kpanel5();
            case Q6_K -> a.kpanel6();
            default -> throw new IllegalArgumentException("no K panels for " + type);
        };
        float[] factor = type == GgmlType.Q4_K ? Q4K_FACTOR : type == GgmlType.Q5_K ? Q5K_FACTOR : Q6K_FACTOR;
        for (int e0 = aOff; e0 < aOff + n; e0 += 256) {
            for (int lp = 0; lp < 8; lp++) {
                for (int s = 0; s < 8; s++) {
                    for (int t = 0; t < 4; t++) {
                        form[e0 + 32 * lp + 4 * s + t] = qs[e0 + 32 * s + 4 * lp + t] * factor[4 * s + t];
                    }
                }
            }
        }
        if (type == GgmlType.Q6_K) {
            float[] bias = a.kpanel6Bias();
            for (int e0 = aOff; e0 < aOff + n; e0 += 256) {
                for (int lp = 0; lp < 8; lp++) {
                    for (int s = 0; s < 8; s++) {
                        int e = e0 + 32 * s + 4 * lp;
                        bias[(e0 >> 2) + 8 * lp + s] = -32 * (qs[e] + qs[e + 1] + qs[e + 2] + qs[e + 3]) * 0x1p-24f;
                    }
                }
            }
        } else {
            short[] bsums = a.bsums();
            float[] mins = a.kpanel4Mins();
            for (int e0 = aOff; e0 < aOff + n; e0 += 256) {
                for (int s = 0; s < 8; s++) {
                    int bs = (e0 >> 4) + 2 * s;
                    mins[(e0 >> 5) + s] = (bsums[bs] + bsums[bs + 1]) * Math.scalb(1f, -8 * (s & 3));
                }
            }
        }
    }
}
