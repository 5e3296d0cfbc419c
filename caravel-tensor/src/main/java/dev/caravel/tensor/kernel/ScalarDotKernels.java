package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.Half;

import java.lang.foreign.MemorySegment;

import static dev.caravel.tensor.kernel.Bytes.f16;
import static dev.caravel.tensor.kernel.Bytes.i8;
import static dev.caravel.tensor.kernel.Bytes.i32;
import static dev.caravel.tensor.kernel.Bytes.u8;

/**
 * Plain scalar dot kernels, one per weight type, that reproduce <em>bit for bit</em> what llama.cpp's CPU
 * backend computes on an x86-64 machine with AVX2, FMA, F16C and AVX-512 F/BW/DQ/VL/VNNI/BF16 (built with
 * GCC, {@code -march=native}), as of llama.cpp c392e50 / ggml fa8c781 (February 2025) — the machine the
 * project's reference logits come from. Each kernel was checked against ggml itself (single
 * {@code ggml_mul_mat} calls, one and several activation rows, on random data: identical floats).
 *
 * <p>Every kernel is written as the SIMD code's lanes computed one after the other: the comments give the
 * lane structure (which elements a lane accumulates, in which order, and how the lanes are summed at the
 * end). A Vector API version must compute exactly these lanes to stay bit-identical. Integer partial sums
 * are exact, so only the float operations' grouping matters; every {@code Math.fma} here is a hardware FMA
 * in ggml (an intrinsic, or a {@code a*b + c} that GCC contracts under its default {@code -ffp-contract=fast}).
 *
 * <p>Two entry points per kernel ({@link DotKernel#dot} and {@link DotKernel#dotBatched}): llama.cpp multiplies
 * a single activation row with {@code ggml_vec_dot_*}, but a batch (a prompt) with llamafile's tinyBLAS where
 * that accepts the type. For the integer-quant types both give the same result (tinyBLAS_Q0_AVX has the
 * vec_dot lane structure); for F32/F16/BF16 they differ.
 *
 * <p>Recurring reductions (GCC 12's expansions of the intrinsics):
 * <ul>
 *   <li>{@link #hsum8} — {@code hsum_float_8}: {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}.</li>
 *   <li>{@link #hsum16} — {@code _mm512_reduce_add_ps}: {@code t_i = l_i + l_{i+8}}, {@code u_i = t_i + t_{i+4}},
 *       result {@code (u0+u2) + (u1+u3)}.</li>
 * </ul>
 */
public final class ScalarDotKernels {
    private ScalarDotKernels() {
    }

    @FunctionalInterface
    private interface Fn {
        float dot(MemorySegment w, long off, Activations a, int aOff, int n);
    }

    private record Kernel(GgmlType weightType, GgmlType vecDotType, Fn fn, Fn batchedFn) implements DotKernel {
        @Override
        public float dot(MemorySegment w, long off, Activations a, int aOff, int n) {
            return fn.dot(w, off, a, aOff, n);
        }

        @Override
        public float dotBatched(MemorySegment w, long off, Activations a, int aOff, int n) {
            return batchedFn.dot(w, off, a, aOff, n);
        }
    }

    private static DotKernel same(GgmlType t, GgmlType vt, Fn fn) {
        return new Kernel(t, vt, fn, fn);
    }

    private static final DotKernel F32 = new Kernel(GgmlType.F32, GgmlType.F32, ScalarDotKernels::f32, ScalarDotKernels::f32Tiny);
    private static final DotKernel F16 = new Kernel(GgmlType.F16, GgmlType.F16, ScalarDotKernels::f16Dot, ScalarDotKernels::f16Tiny);
    private static final DotKernel BF16 = new Kernel(GgmlType.BF16, GgmlType.BF16, ScalarDotKernels::bf16, ScalarDotKernels::bf16Tiny);
    private static final DotKernel F32_NO_TINY = same(GgmlType.F32, GgmlType.F32, ScalarDotKernels::f32);
    private static final DotKernel F16_NO_TINY = same(GgmlType.F16, GgmlType.F16, ScalarDotKernels::f16Dot);
    private static final DotKernel BF16_NO_TINY = same(GgmlType.BF16, GgmlType.BF16, ScalarDotKernels::bf16);
    private static final DotKernel Q4_0 = same(GgmlType.Q4_0, GgmlType.Q8_0, ScalarDotKernels::q4_0);
    private static final DotKernel Q4_0_REPACKED = same(GgmlType.Q4_0, GgmlType.Q8_0, ScalarDotKernels::q4_0x8);
    private static final DotKernel Q4_1 = same(GgmlType.Q4_1, GgmlType.Q8_1, ScalarDotKernels::q4_1);
    private static final DotKernel Q5_0 = same(GgmlType.Q5_0, GgmlType.Q8_0, ScalarDotKernels::q5_0);
    private static final DotKernel Q5_1 = same(GgmlType.Q5_1, GgmlType.Q8_1, ScalarDotKernels::q5_1);
    private static final DotKernel Q8_0 = same(GgmlType.Q8_0, GgmlType.Q8_0, ScalarDotKernels::q8_0);
    private static final DotKernel Q2_K = same(GgmlType.Q2_K, GgmlType.Q8_K, ScalarDotKernels::q2_K);
    private static final DotKernel Q3_K = same(GgmlType.Q3_K, GgmlType.Q8_K, ScalarDotKernels::q3_K);
    private static final DotKernel Q4_K = same(GgmlType.Q4_K, GgmlType.Q8_K, ScalarDotKernels::q4_K);
    private static final DotKernel Q5_K = same(GgmlType.Q5_K, GgmlType.Q8_K, ScalarDotKernels::q5_K);
    private static final DotKernel Q6_K = same(GgmlType.Q6_K, GgmlType.Q8_K, ScalarDotKernels::q6_K);

    /** The scalar kernel for weights of {@code type}, or {@code null} if there is none. */
    public static DotKernel forType(GgmlType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q4_0 -> Q4_0;
            case Q4_1 -> Q4_1;
            case Q5_0 -> Q5_0;
            case Q5_1 -> Q5_1;
            case Q8_0 -> Q8_0;
            case Q2_K -> Q2_K;
            case Q3_K -> Q3_K;
            case Q4_K -> Q4_K;
            case Q5_K -> Q5_K;
            case Q6_K -> Q6_K;
            default -> null;
        };
    }

    /**
     * The kernel llama.cpp uses for a (rows, cols) matrix of {@code type}, or {@code null} if there is none.
     * Differs from {@link #forType} where the shape matters:
     * <ul>
     *   <li>Q4_0 with {@code rows % 8 == 0}: llama.cpp repacks such weights at load time (CPU_AARCH64 buffer,
     *       {@code block_q4_0x8}, on any AVX2 machine) and multiplies them with its own gemv/gemm, which
     *       accumulate each output in a single lane.</li>
     *   <li>F32/F16/BF16: tinyBLAS (the batched path) only takes {@code rows % 4 == 0} and
     *       {@code cols % 16 == 0} ({@code % 32} for BF16); otherwise a batch goes through vec_dot too.</li>
     * </ul>
     */
    public static DotKernel forShape(GgmlType type, int rows, int cols) {
        boolean tiny = rows % 4 == 0 && cols % 16 == 0;
        return switch (type) {
            case F32 -> tiny ? F32 : F32_NO_TINY;
            case F16 -> tiny ? F16 : F16_NO_TINY;
            case BF16 -> tiny && cols % 32 == 0 ? BF16 : BF16_NO_TINY;
            case Q4_0 -> rows % 8 == 0 ? Q4_0_REPACKED : Q4_0;
            default -> forType(type);
        };
    }

    // ------------------------------------------------------------------ horizontal sums

    /** {@code hsum_float_8}: extract high 128 + low 128, then movehl, then movehdup. */
    static float hsum8(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        float r0 = l0 + l4;
        float r1 = l1 + l5;
        float r2 = l2 + l6;
        float r3 = l3 + l7;
        return (r0 + r2) + (r1 + r3);
    }

    /** GCC's {@code _mm512_reduce_add_ps} of 16 lanes held in {@code l[o .. o+16)}. */
    static float hsum16(float[] l, int o) {
        float t0 = l[o] + l[o + 8];
        float t1 = l[o + 1] + l[o + 9];
        float t2 = l[o + 2] + l[o + 10];
        float t3 = l[o + 3] + l[o + 11];
        float t4 = l[o + 4] + l[o + 12];
        float t5 = l[o + 5] + l[o + 13];
        float t6 = l[o + 6] + l[o + 14];
        float t7 = l[o + 7] + l[o + 15];
        float u0 = t0 + t4;
        float u1 = t1 + t5;
        float u2 = t2 + t6;
        float u3 = t3 + t7;
        return (u0 + u2) + (u1 + u3);
    }

    /** Per-thread lane scratch (kernels run concurrently on row ranges; nothing is allocated per call). */
    private static final class Scratch {
        final float[] lanes = new float[64];
        final float[] acc = new float[8];
        final float[] accM = new float[4];
        final int[] lane = new int[8];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    // ------------------------------------------------------------------ float types: one activation row (vec_dot)

    /**
     * {@code ggml_vec_dot_f32}, AVX-512 ({@code GGML_F32_STEP} 64, {@code GGML_F32_EPR} 16): 64 lanes, lane
     * {@code j} (= 16·a + l, accumulator a, lane l) FMA-accumulates elements {@code i ≡ j (mod 64)} below
     * {@code np = n & ~63}; the four accumulators fold as {@code (s0+s2) + (s1+s3)}, then
     * {@code _mm512_reduce_add_ps}; the leftover elements are added one by one in float, each product
     * rounded first (GCC vectorizes the products of that tail loop, so there is no FMA).
     */
    public static float f32Values(float[] x, int xo, float[] y, int yo, int n) {
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            java.util.Arrays.fill(l, 0, 64, 0f);
            for (int i = 0; i < np; i += 64) { // lane j accumulates elements j, j+64, j+128, ...
                for (int j = 0; j < 64; j++) {
                    l[j] = Math.fma(x[xo + i + j], y[yo + i + j], l[j]);
                }
            }
            for (int j = 0; j < 16; j++) {
                l[j] = (l[j] + l[32 + j]) + (l[16 + j] + l[48 + j]);
            }
            sumf = hsum16(l, 0);
        }
        for (int i = np; i < n; i++) {
            sumf += x[xo + i] * y[yo + i];
        }
        return sumf;
    }

    static float f32(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            java.util.Arrays.fill(l, 0, 64, 0f);
            for (int i = 0; i < np; i += 64) { // lane j accumulates elements j, j+64, j+128, ...
                for (int j = 0; j < 64; j++) {
                    l[j] = Math.fma(Bytes.f32(w, off + 4L * (i + j)), y[aOff + i + j], l[j]);
                }
            }
            for (int j = 0; j < 16; j++) {
                l[j] = (l[j] + l[32 + j]) + (l[16 + j] + l[48 + j]);
            }
            sumf = hsum16(l, 0);
        }
        for (int i = np; i < n; i++) {
            sumf += Bytes.f32(w, off + 4L * i) * y[aOff + i];
        }
        return sumf;
    }

    /**
     * {@code ggml_vec_dot_f16}, AVX-512: as {@link #f32} on the F16 values converted to float (64 lanes,
     * fold, reduce), but the result goes to a double ({@code ggml_float}) and leftovers are added in double.
     */
    static float f16Dot(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        int np = n & ~63;
        double sumf = 0;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            java.util.Arrays.fill(l, 0, 64, 0f);
            for (int i = 0; i < np; i += 64) { // lane j accumulates elements j, j+64, j+128, ...
                for (int j = 0; j < 64; j++) {
                    l[j] = Math.fma(f16(w, off + 2L * (i + j)), Half.f16ToF32(y[aOff + i + j]), l[j]);
                }
            }
            for (int j = 0; j < 16; j++) {
                l[j] = (l[j] + l[32 + j]) + (l[16 + j] + l[48 + j]);
            }
            sumf = hsum16(l, 0);
        }
        for (int i = np; i < n; i++) {
            sumf += f16(w, off + 2L * i) * Half.f16ToF32(y[aOff + i]);
        }
        return (float) sumf;
    }

    /**
     * One lane of AVX512_BF16's {@code vdpbf16ps} over the element pair (i, i+1): {@code acc += a[i+1]·b[i+1]},
     * then {@code acc += a[i]·b[i]} (Intel's definition: odd element first; BF16 products are exact in float,
     * each addition rounds to nearest even; denormal inputs and results are flushed to zero).
     */
    static float dpbf16(float acc, float a0, float b0, float a1, float b1) {
        acc = ftz(acc + ftz(a1) * ftz(b1));
        return ftz(acc + ftz(a0) * ftz(b0));
    }

    private static float ftz(float v) {
        return Math.abs(v) < Float.MIN_NORMAL ? v * 0f : v;
    }

    private static float bf16At(MemorySegment w, long off, int i) {
        return Half.bf16ToF32(Bytes.i16(w, off + 2L * i));
    }

    /**
     * {@code ggml_vec_dot_bf16} with AVX512_BF16: two 16-lane {@code vdpbf16ps} accumulators over 64-element
     * steps (c1: pairs {@code (64k + 2l, 64k + 2l + 1)}, c2: the same 32 elements further), each reduced with
     * {@code _mm512_reduce_add_ps} and added to a double, c1 first; leftovers are added in double.
     *
     * <p>This is the AVX512_BF16 code path: the reference logits this project checks against were produced on
     * a CPU with AVX512_BF16 (the BF16 model's logits match it bit for bit and do not match the AVX-512F path,
     * which sums plain float FMAs in 2 × 16 lanes over 32-element steps).
     */
    static float bf16(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        int np = n & ~63;
        double sumf = 0;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            java.util.Arrays.fill(l, 0, 32, 0f);
            for (int k = 0; k < np; k += 64) {
                for (int j = 0; j < 32; j++) { // j < 16: c1 lane j; j >= 16: c2 lane j - 16
                    int i = k + 2 * j;
                    l[j] = dpbf16(l[j], bf16At(w, off, i), Half.bf16ToF32(y[aOff + i]),
                            bf16At(w, off, i + 1), Half.bf16ToF32(y[aOff + i + 1]));
                }
            }
            sumf += hsum16(l, 0);
            sumf += hsum16(l, 16);
        }
        for (int i = np; i < n; i++) {
            sumf += bf16At(w, off, i) * Half.bf16ToF32(y[aOff + i]);
        }
        return (float) sumf;
    }

    // ------------------------------------------------------------------ float types: batches (tinyBLAS)

    /**
     * llamafile's {@code tinyBLAS<16, __m512, ...>} element: 16 lanes, lane l FMA-accumulates elements
     * {@code i ≡ l (mod 16)} in order ({@code n % 16 == 0}); the result is {@code _mm512_reduce_add_ps}.
     * The tile shape does not change an element's value.
     */
    public static float f32ValuesTiny(float[] x, int xo, float[] y, int yo, int n) {
        float[] l = SCRATCH.get().lanes;
        java.util.Arrays.fill(l, 0, 16, 0f);
        for (int i = 0; i < n; i += 16) { // lane j accumulates elements j, j+16, j+32, ...
            for (int j = 0; j < 16; j++) {
                l[j] = Math.fma(x[xo + i + j], y[yo + i + j], l[j]);
            }
        }
        return hsum16(l, 0);
    }

    static float f32Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        float[] l = SCRATCH.get().lanes;
        java.util.Arrays.fill(l, 0, 16, 0f);
        for (int i = 0; i < n; i += 16) { // lane j accumulates elements j, j+16, j+32, ...
            for (int j = 0; j < 16; j++) {
                l[j] = Math.fma(Bytes.f32(w, off + 4L * (i + j)), y[aOff + i + j], l[j]);
            }
        }
        return hsum16(l, 0);
    }

    /** tinyBLAS on F16 × F16 (AVX-512: both converted to float by {@code vcvtph2ps}): as {@link #f32Tiny}. */
    static float f16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        float[] l = SCRATCH.get().lanes;
        java.util.Arrays.fill(l, 0, 16, 0f);
        for (int i = 0; i < n; i += 16) { // lane j accumulates elements j, j+16, j+32, ...
            for (int j = 0; j < 16; j++) {
                l[j] = Math.fma(f16(w, off + 2L * (i + j)), Half.f16ToF32(y[aOff + i + j]), l[j]);
            }
        }
        return hsum16(l, 0);
    }

    /**
     * tinyBLAS on BF16 × BF16 with AVX512_BF16 ({@code tinyBLAS<32, __m512, __m512bh, ...>}, needs
     * {@code n % 32 == 0}): 16 {@code vdpbf16ps} lanes, lane l over the pairs {@code (32k + 2l, 32k + 2l + 1)};
     * the result is {@code _mm512_reduce_add_ps}.
     */
    static float bf16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        float[] l = SCRATCH.get().lanes;
        java.util.Arrays.fill(l, 0, 16, 0f);
        for (int k = 0; k < n; k += 32) {
            for (int j = 0; j < 16; j++) {
                int i = k + 2 * j;
                l[j] = dpbf16(l[j], bf16At(w, off, i), Half.bf16ToF32(y[aOff + i]),
                        bf16At(w, off, i + 1), Half.bf16ToF32(y[aOff + i + 1]));
            }
        }
        return hsum16(l, 0);
    }

    // ------------------------------------------------------------------ 32-element blocks

    /*
     * The AVX2 kernels for 32-element blocks (and tinyBLAS_Q0_AVX, which is the same per element): the 32
     * weight bytes of a block (element e at byte e) are multiplied with the 32 activation bytes by
     * vpdpbusd / maddubs+madd into 8 int32 lanes, lane p = Σ_{t<4} w[4p+t]·q[4p+t] (exact), converted to
     * float and FMA-accumulated per lane over the blocks: acc_p = fma(d, (float) lane_p, acc_p), with d the
     * product of the two F16 scales (exact in float). Result: hsum8(acc). For the nibble types lanes 0..3 are
     * the low nibbles of bytes 0..15 (elements 0..15) and lanes 4..7 the high nibbles (elements 16..31).
     */

    private static float hsum8(float[] l) {
        return hsum8(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7]);
    }

    private static float[] zeroAcc() {
        float[] acc = SCRATCH.get().acc;
        java.util.Arrays.fill(acc, 0f);
        return acc;
    }

    /** Q8_0 weights × Q8_0 activations: ggml_vec_dot_q8_0_q8_0 (AVX2) and tinyBLAS_Q0_AVX. */
    static float q8_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 34, qo += 32) {
            float db = f16(w, off) * d[qo >> 5];
            for (int p = 0; p < 8; p++) {
                int word = i32(w, off + 2 + 4 * p);
                int o = qo + 4 * p;
                int sum = (byte) word * qs[o] + (byte) (word >> 8) * qs[o + 1]
                        + (byte) (word >> 16) * qs[o + 2] + (word >> 24) * qs[o + 3];
                acc[p] = Math.fma(db, (float) sum, acc[p]);
            }
        }
        return hsum8(acc);
    }

    /**
     * The 8 lanes of one nibble block: lane j / j+4 get the low / high nibbles of bytes 4j..4j+3 minus
     * {@code bias}, times the activations; accumulated as {@code acc = fma(db, lane, acc)}.
     */
    private static void nibbleBlock(MemorySegment w, long q, int bias, byte[] qs, int qo, float db, float[] acc) {
        for (int j = 0; j < 4; j++) {
            int word = i32(w, q + 4 * j);
            int o = qo + 4 * j;
            int lo = ((word & 0xF) - bias) * qs[o] + (((word >>> 8) & 0xF) - bias) * qs[o + 1]
                    + (((word >>> 16) & 0xF) - bias) * qs[o + 2] + (((word >>> 24) & 0xF) - bias) * qs[o + 3];
            int hi = (((word >>> 4) & 0xF) - bias) * qs[o + 16] + (((word >>> 12) & 0xF) - bias) * qs[o + 17]
                    + (((word >>> 20) & 0xF) - bias) * qs[o + 18] + ((word >>> 28) - bias) * qs[o + 19];
            acc[j] = Math.fma(db, (float) lo, acc[j]);
            acc[j + 4] = Math.fma(db, (float) hi, acc[j + 4]);
        }
    }

    /** As {@link #nibbleBlock} with the fifth bit of element e taken from bit e of {@code qh}. */
    private static void nibbleBlock5(MemorySegment w, long q, int qh, int bias, byte[] qs, int qo, float db, float[] acc) {
        for (int j = 0; j < 4; j++) {
            int word = i32(w, q + 4 * j);
            int hl = qh >>> (4 * j);        // fifth bits of elements 4j..4j+3
            int hh = qh >>> (16 + 4 * j);   // of elements 16+4j..
            int o = qo + 4 * j;
            int lo = 0;
            int hi = 0;
            for (int t = 0; t < 4; t++) {
                int byt = word >>> (8 * t);
                lo += (((byt & 0xF) | (((hl >>> t) & 1) << 4)) - bias) * qs[o + t];
                hi += ((((byt >>> 4) & 0xF) | (((hh >>> t) & 1) << 4)) - bias) * qs[o + 16 + t];
            }
            acc[j] = Math.fma(db, (float) lo, acc[j]);
            acc[j + 4] = Math.fma(db, (float) hi, acc[j + 4]);
        }
    }

    /** Q4_0 × Q8_0 through ggml_vec_dot_q4_0_q8_0 (AVX2) / tinyBLAS_Q0_AVX: the 8-lane structure above. */
    static float q4_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 18, qo += 32) {
            nibbleBlock(w, off + 2, 8, qs, qo, f16(w, off) * d[qo >> 5], acc);
        }
        return hsum8(acc);
    }

    /**
     * Q4_0 × Q8_0 as llama.cpp's repacked {@code block_q4_0x8} gemv/gemm (ggml-cpu-aarch64.cpp, AVX2/AVX-512)
     * compute it: each output in a single float lane, {@code acc = fma((float) Σ_block w·q, dw·dq, acc)} block
     * after block (the block's integer dot is exact). Used for Q4_0 matrices with a multiple of 8 rows.
     */
    static float q4_0x8(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float acc = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 18, qo += 32) {
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(w, off + 2 + j);
                sumi += ((q & 0x0F) - 8) * qs[qo + j] + ((q >>> 4) - 8) * qs[qo + j + 16];
            }
            acc = Math.fma((float) sumi, f16(w, off) * d[qo >> 5], acc);
        }
        return acc;
    }

    /**
     * Q4_1 × Q8_1, ggml_vec_dot_q4_1_q8_1 (AVX2): 8 lanes acc_p = fma(dw·dq, Σ_{t<4} nib·q, acc_p) (unsigned
     * nibbles), plus a scalar {@code summs = fma(m, s, summs)} over the blocks (GCC contracts
     * {@code summs += m*s}); result {@code hsum8(acc) + summs}.
     */
    static float q4_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] s = a.s();
        float[] acc = zeroAcc();
        float summs = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 20, qo += 32) {
            summs = Math.fma(f16(w, off + 2), s[qo >> 5], summs);
            nibbleBlock(w, off + 4, 0, qs, qo, f16(w, off) * d[qo >> 5], acc);
        }
        return hsum8(acc) + summs;
    }

    /** Q5_0 × Q8_0, ggml_vec_dot_q5_0_q8_0 (AVX2) / tinyBLAS_Q0_AVX: the 8-lane structure, values nib|hb<<4 − 16. */
    static float q5_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 22, qo += 32) {
            nibbleBlock5(w, off + 6, i32(w, off + 2), 16, qs, qo, f16(w, off) * d[qo >> 5], acc);
        }
        return hsum8(acc);
    }

    /** Q5_1 × Q8_1, ggml_vec_dot_q5_1_q8_1 (AVX2): as {@link #q4_1} with 5-bit unsigned values. */
    static float q5_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] s = a.s();
        float[] acc = zeroAcc();
        float summs = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 24, qo += 32) {
            summs = Math.fma(f16(w, off + 2), s[qo >> 5], summs);
            nibbleBlock5(w, off + 8, i32(w, off + 4), 0, qs, qo, f16(w, off) * d[qo >> 5], acc);
        }
        return hsum8(acc) + summs;
    }

    // ------------------------------------------------------------------ K-quants (256-element blocks)

    /*
     * The AVX2 K-quant kernels all end in 8 int32 lanes per 256-element block: lane p (0..7) holds
     * Σ scale(e)·quant(e)·q8[e] over the elements e with (e mod 32) / 4 == p (each 32-byte vector covers 32
     * consecutive elements, maddubs/madd pair them up into int32 lane (byte index)/4; all integer, exact).
     * Per block: acc_p = fma(d, (float) lane_p, acc_p) with d = q8.d · F16(block d). The mins are handled per
     * type (see each kernel). Result hsum8(acc) (+ the mins term).
     */

    private static int[] zeroLanes() {
        int[] lane = SCRATCH.get().lane;
        java.util.Arrays.fill(lane, 0);
        return lane;
    }

    private static void addLanes(float d, int[] lane, float[] acc) {
        for (int p = 0; p < 8; p++) {
            acc[p] = Math.fma(d, (float) lane[p], acc[p]);
        }
    }

    /**
     * Q2_K × Q8_K (AVX2). Per block first acc_p = fma(dmin, (float)(m[2p]·bsum[2p] + m[2p+1]·bsum[2p+1]), acc_p)
     * with dmin = −q8.d · F16(dmin) and m the 4-bit mins, then acc_p = fma(d, lane_p, acc_p).
     */
    static float q2_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 84, qo += 256) {
            float yd = dy[qo >> 8];
            float d = yd * f16(w, off + 80);
            float dmin = -yd * f16(w, off + 82);
            int bs = qo >> 4;
            for (int p = 0; p < 8; p++) {
                int prod = (u8(w, off + 2 * p) >>> 4) * bsums[bs + 2 * p] + (u8(w, off + 2 * p + 1) >>> 4) * bsums[bs + 2 * p + 1];
                acc[p] = Math.fma(dmin, (float) prod, acc[p]);
            }
            int[] lane = zeroLanes();
            for (int j = 0; j < 2; j++) {
                long q2 = off + 16 + 32 * j;
                for (int k = 0; k < 4; k++) {
                    int e0 = qo + 128 * j + 32 * k;
                    int sc0 = u8(w, off + 8 * j + 2 * k) & 0xF;
                    int sc1 = u8(w, off + 8 * j + 2 * k + 1) & 0xF;
                    for (int p = 0; p < 8; p++) {
                        int word = i32(w, q2 + 4 * p) >>> (2 * k);
                        int o = e0 + 4 * p;
                        int s4 = (word & 3) * qs[o] + ((word >>> 8) & 3) * qs[o + 1]
                                + ((word >>> 16) & 3) * qs[o + 2] + ((word >>> 24) & 3) * qs[o + 3];
                        lane[p] += (p < 4 ? sc0 : sc1) * s4;
                    }
                }
            }
            addLanes(d, lane, acc);
        }
        return hsum8(acc);
    }

    /** Q3_K × Q8_K (AVX2): 6-bit signed scales per 16 elements, no mins. */
    static float q3_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 110, qo += 256) {
            int[] lane = zeroLanes();
            for (int j = 0; j < 2; j++) {
                long q3 = off + 32 + 32 * j;
                for (int k = 0; k < 4; k++) {
                    int e0 = qo + 128 * j + 32 * k;
                    int bit = 4 * j + k;
                    int sc0 = ScalarDequantizers.q3kScale(w, off + 96, 8 * j + 2 * k);
                    int sc1 = ScalarDequantizers.q3kScale(w, off + 96, 8 * j + 2 * k + 1);
                    for (int p = 0; p < 8; p++) {
                        int word = i32(w, q3 + 4 * p) >>> (2 * k);
                        int hword = i32(w, off + 4 * p) >>> bit;
                        int s4 = 0;
                        for (int t = 0; t < 4; t++) {
                            int q = ((word >>> (8 * t)) & 3) - (((hword >>> (8 * t)) & 1) != 0 ? 0 : 4);
                            s4 += q * qs[e0 + 4 * p + t];
                        }
                        lane[p] += (p < 4 ? sc0 : sc1) * s4;
                    }
                }
            }
            addLanes(dy[qo >> 8] * f16(w, off + 108), lane, acc);
        }
        return hsum8(acc);
    }

    /** The 8 integer lanes of one Q4_K/Q5_K block (scale per 32 elements): qs at {@code q}, fifth bits at {@code qh}. */
    private static int[] k45Lanes(MemorySegment w, long off, long q, long qh, boolean five, byte[] qs, int qo) {
        int[] lane = zeroLanes();
        for (int j = 0; j < 4; j++) {
            int scLo = ScalarDequantizers.scaleMinK4(w, off + 4, 2 * j) & 0xFF;
            int scHi = ScalarDequantizers.scaleMinK4(w, off + 4, 2 * j + 1) & 0xFF;
            int e0 = qo + 64 * j;
            for (int p = 0; p < 8; p++) {
                int word = i32(w, q + 32 * j + 4 * p);
                int hword = five ? i32(w, qh + 4 * p) : 0;
                int lo = 0;
                int hi = 0;
                for (int t = 0; t < 4; t++) {
                    int byt = (word >>> (8 * t)) & 0xFF;
                    int vl = byt & 0xF;
                    int vh = byt >>> 4;
                    if (five) {
                        int hb = (hword >>> (8 * t)) & 0xFF;
                        vl |= ((hb >>> (2 * j)) & 1) << 4;
                        vh |= ((hb >>> (2 * j + 1)) & 1) << 4;
                    }
                    lo += vl * qs[e0 + 4 * p + t];
                    hi += vh * qs[e0 + 32 + 4 * p + t];
                }
                lane[p] += scLo * lo + scHi * hi;
            }
        }
        return lane;
    }

    /**
     * Q4_K × Q8_K (AVX2). Mins in a 4-lane accumulator: with q8s_j = bsum[2j] + bsum[2j+1] (sum of the 32
     * activations of sub-block j), accM_k = fma(dmin, (float)(m[2k]·q8s[2k] + m[2k+1]·q8s[2k+1]), accM_k),
     * dmin = −q8.d · F16(dmin). Result {@code hsum8(acc) + ((accM0 + accM2) + (accM1 + accM3))}.
     */
    static float q4_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        float[] acc = zeroAcc();
        float[] accM = SCRATCH.get().accM;
        java.util.Arrays.fill(accM, 0f);
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 144, qo += 256) {
            float yd = dy[qo >> 8];
            float d = yd * f16(w, off);
            float dmin = -yd * f16(w, off + 2);
            int bs = qo >> 4;
            for (int k = 0; k < 4; k++) {
                int m0 = ScalarDequantizers.scaleMinK4(w, off + 4, 2 * k) >>> 8;
                int m1 = ScalarDequantizers.scaleMinK4(w, off + 4, 2 * k + 1) >>> 8;
                int prod = m0 * (bsums[bs + 4 * k] + bsums[bs + 4 * k + 1]) + m1 * (bsums[bs + 4 * k + 2] + bsums[bs + 4 * k + 3]);
                accM[k] = Math.fma(dmin, (float) prod, accM[k]);
            }
            addLanes(d, k45Lanes(w, off, off + 16, 0, false, qs, qo), acc);
        }
        return hsum8(acc) + ((accM[0] + accM[2]) + (accM[1] + accM[3]));
    }

    /**
     * Q5_K × Q8_K (AVX2). Mins as a scalar: per block the integer Σ_j m[j]·(bsum[2j] + bsum[2j+1]), then
     * {@code summs = fma(dmin, (float) that, summs)}. Result {@code hsum8(acc) + summs}.
     */
    static float q5_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        float[] acc = zeroAcc();
        float summs = 0;
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 176, qo += 256) {
            float yd = dy[qo >> 8];
            float d = yd * f16(w, off);
            float dmin = -yd * f16(w, off + 2);
            int bs = qo >> 4;
            int mins = 0;
            for (int j = 0; j < 8; j++) {
                mins += (ScalarDequantizers.scaleMinK4(w, off + 4, j) >>> 8) * (bsums[bs + 2 * j] + bsums[bs + 2 * j + 1]);
            }
            summs = Math.fma(dmin, (float) mins, summs);
            addLanes(d, k45Lanes(w, off, off + 48, off + 16, true, qs, qo), acc);
        }
        return hsum8(acc) + summs;
    }

    /** Q6_K × Q8_K (AVX2): signed 8-bit scales per 16 elements, no mins. */
    static float q6_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        float[] acc = zeroAcc();
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 210, qo += 256) {
            int[] lane = zeroLanes();
            for (int j = 0; j < 2; j++) {
                for (int m = 0; m < 4; m++) {
                    int e0 = qo + 128 * j + 32 * m;
                    long ql = off + 64 * j + 32 * (m & 1);
                    int sc0 = i8(w, off + 192 + 8 * j + 2 * m);
                    int sc1 = i8(w, off + 192 + 8 * j + 2 * m + 1);
                    for (int p = 0; p < 8; p++) {
                        int word = i32(w, ql + 4 * p);
                        int hword = i32(w, off + 128 + 32 * j + 4 * p) >>> (2 * m);
                        int s4 = 0;
                        for (int t = 0; t < 4; t++) {
                            int byt = (word >>> (8 * t)) & 0xFF;
                            int lo = m < 2 ? byt & 0xF : byt >>> 4;
                            int q = (lo | (((hword >>> (8 * t)) & 3) << 4)) - 32;
                            s4 += q * qs[e0 + 4 * p + t];
                        }
                        lane[p] += (p < 4 ? sc0 : sc1) * s4;
                    }
                }
            }
            addLanes(dy[qo >> 8] * f16(w, off + 208), lane, acc);
        }
        return hsum8(acc);
    }
}
