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
 * backend computes on an x86-64 machine with AVX2, FMA, F16C and AVX-512 F/BW/DQ/VL/VNNI (built with GCC,
 * {@code -march=native}), as of llama.cpp c392e50 / ggml fa8c781 (February 2025).
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
     *       {@code cols % 16 == 0}; otherwise a batch goes through vec_dot too.</li>
     * </ul>
     */
    public static DotKernel forShape(GgmlType type, int rows, int cols) {
        boolean tiny = rows % 4 == 0 && cols % 16 == 0;
        return switch (type) {
            case F32 -> tiny ? F32 : F32_NO_TINY;
            case F16 -> tiny ? F16 : F16_NO_TINY;
            case BF16 -> tiny ? BF16 : BF16_NO_TINY;
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
     * {@code _mm512_reduce_add_ps}; the leftover elements are added one by one with a float FMA.
     */
    public static float f32Values(float[] x, int xo, float[] y, int yo, int n) {
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            for (int j = 0; j < 64; j++) {
                float acc = 0f;
                for (int i = j; i < np; i += 64) {
                    acc = Math.fma(x[xo + i], y[yo + i], acc);
                }
                l[j] = acc;
            }
            for (int j = 0; j < 16; j++) {
                l[j] = (l[j] + l[32 + j]) + (l[16 + j] + l[48 + j]);
            }
            sumf = hsum16(l, 0);
        }
        for (int i = np; i < n; i++) {
            sumf = Math.fma(x[xo + i], y[yo + i], sumf);
        }
        return sumf;
    }

    static float f32(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            for (int j = 0; j < 64; j++) {
                float acc = 0f;
                for (int i = j; i < np; i += 64) {
                    acc = Math.fma(Bytes.f32(w, off + 4L * i), y[aOff + i], acc);
                }
                l[j] = acc;
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
            for (int j = 0; j < 64; j++) {
                float acc = 0f;
                for (int i = j; i < np; i += 64) {
                    acc = Math.fma(f16(w, off + 2L * i), Half.f16ToF32(y[aOff + i]), acc);
                }
                l[j] = acc;
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
     * {@code ggml_vec_dot_bf16}, AVX-512F without AVX512_BF16: two 16-lane accumulators over 32-element
     * steps (c1: elements {@code 32k + l}, c2: {@code 32k + 16 + l}); GCC contracts the
     * {@code _mm512_add_ps(_mm512_mul_ps(x, y), c)} into an FMA. Each is reduced with
     * {@code _mm512_reduce_add_ps} and added to a double, c1 first; leftovers are added in double.
     */
    static float bf16(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        int np = n & ~31;
        double sumf = 0;
        if (np > 0) {
            float[] l = SCRATCH.get().lanes;
            for (int j = 0; j < 32; j++) {
                float acc = 0f;
                for (int i = j; i < np; i += 32) {
                    acc = Math.fma(Half.bf16ToF32(Bytes.i16(w, off + 2L * i)), Half.bf16ToF32(y[aOff + i]), acc);
                }
                l[j] = acc;
            }
            sumf += hsum16(l, 0);
            sumf += hsum16(l, 16);
        }
        for (int i = np; i < n; i++) {
            sumf += Half.bf16ToF32(Bytes.i16(w, off + 2L * i)) * Half.bf16ToF32(y[aOff + i]);
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
        for (int j = 0; j < 16; j++) {
            float acc = 0f;
            for (int i = j; i < n; i += 16) {
                acc = Math.fma(x[xo + i], y[yo + i], acc);
            }
            l[j] = acc;
        }
        return hsum16(l, 0);
    }

    static float f32Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        float[] l = SCRATCH.get().lanes;
        for (int j = 0; j < 16; j++) {
            float acc = 0f;
            for (int i = j; i < n; i += 16) {
                acc = Math.fma(Bytes.f32(w, off + 4L * i), y[aOff + i], acc);
            }
            l[j] = acc;
        }
        return hsum16(l, 0);
    }

    /** tinyBLAS on F16 × F16 (AVX-512: both converted to float by {@code vcvtph2ps}): as {@link #f32Tiny}. */
    static float f16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        float[] l = SCRATCH.get().lanes;
        for (int j = 0; j < 16; j++) {
            float acc = 0f;
            for (int i = j; i < n; i += 16) {
                acc = Math.fma(f16(w, off + 2L * i), Half.f16ToF32(y[aOff + i]), acc);
            }
            l[j] = acc;
        }
        return hsum16(l, 0);
    }

    /** tinyBLAS on BF16 × BF16 without AVX512_BF16 (both widened to float): as {@link #f32Tiny}. */
    static float bf16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] y = a.half();
        float[] l = SCRATCH.get().lanes;
        for (int j = 0; j < 16; j++) {
            float acc = 0f;
            for (int i = j; i < n; i += 16) {
                acc = Math.fma(Half.bf16ToF32(Bytes.i16(w, off + 2L * i)), Half.bf16ToF32(y[aOff + i]), acc);
            }
            l[j] = acc;
        }
        return hsum16(l, 0);
    }

    // ------------------------------------------------------------------ 32-element blocks

    /*
     * The AVX2 kernels for 32-element blocks (and tinyBLAS_Q0_AVX, which is the same per element): the 32
     * weight bytes of a block (element e at byte e) are multiplied with the 32 activation bytes by
     * vpdpbusd / maddubs+madd into 8 int32 lanes, lane p = Σ_{t<4} w[4p+t]·q[4p+t] (exact), converted to
     * float and FMA-accumulated per lane over the blocks: acc_p = fma(d, (float) lane_p, acc_p), with d the
     * product of the two F16 scales (exact in float). Result: hsum8(acc).
     */

    /** Q8_0 weights × Q8_0 activations: ggml_vec_dot_q8_0_q8_0 (AVX2) and tinyBLAS_Q0_AVX. */
    static float q8_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 34, qo += 32) {
            float db = f16(w, off) * d[qo >> 5];
            long q = off + 2;
            l0 = Math.fma(db, q8quad(w, q, qs, qo), l0);
            l1 = Math.fma(db, q8quad(w, q + 4, qs, qo + 4), l1);
            l2 = Math.fma(db, q8quad(w, q + 8, qs, qo + 8), l2);
            l3 = Math.fma(db, q8quad(w, q + 12, qs, qo + 12), l3);
            l4 = Math.fma(db, q8quad(w, q + 16, qs, qo + 16), l4);
            l5 = Math.fma(db, q8quad(w, q + 20, qs, qo + 20), l5);
            l6 = Math.fma(db, q8quad(w, q + 24, qs, qo + 24), l6);
            l7 = Math.fma(db, q8quad(w, q + 28, qs, qo + 28), l7);
        }
        return hsum8(l0, l1, l2, l3, l4, l5, l6, l7);
    }

    private static float q8quad(MemorySegment w, long q, byte[] qs, int qo) {
        return i8(w, q) * qs[qo] + i8(w, q + 1) * qs[qo + 1] + i8(w, q + 2) * qs[qo + 2] + i8(w, q + 3) * qs[qo + 3];
    }

    /** Q4_0 element e (0..31) of the block whose quants start at q: low nibbles are 0..15, high 16..31. */
    private static int q4(MemorySegment w, long q, int e) {
        return e < 16 ? (u8(w, q + e) & 0xF) : (u8(w, q + e - 16) >>> 4);
    }

    /** Σ_{t<4} nibble-quant[e+t] (minus {@code bias}) · activation[qo+t]. */
    private static float q4quad(MemorySegment w, long q, int e, int bias, byte[] qs, int qo) {
        return (q4(w, q, e) - bias) * qs[qo] + (q4(w, q, e + 1) - bias) * qs[qo + 1]
                + (q4(w, q, e + 2) - bias) * qs[qo + 2] + (q4(w, q, e + 3) - bias) * qs[qo + 3];
    }

    /** Q4_0 × Q8_0 through ggml_vec_dot_q4_0_q8_0 (AVX2) / tinyBLAS_Q0_AVX: the 8-lane structure above. */
    static float q4_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 18, qo += 32) {
            float db = f16(w, off) * d[qo >> 5];
            long q = off + 2;
            l0 = Math.fma(db, q4quad(w, q, 0, 8, qs, qo), l0);
            l1 = Math.fma(db, q4quad(w, q, 4, 8, qs, qo + 4), l1);
            l2 = Math.fma(db, q4quad(w, q, 8, 8, qs, qo + 8), l2);
            l3 = Math.fma(db, q4quad(w, q, 12, 8, qs, qo + 12), l3);
            l4 = Math.fma(db, q4quad(w, q, 16, 8, qs, qo + 16), l4);
            l5 = Math.fma(db, q4quad(w, q, 20, 8, qs, qo + 20), l5);
            l6 = Math.fma(db, q4quad(w, q, 24, 8, qs, qo + 24), l6);
            l7 = Math.fma(db, q4quad(w, q, 28, 8, qs, qo + 28), l7);
        }
        return hsum8(l0, l1, l2, l3, l4, l5, l6, l7);
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
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        float summs = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 20, qo += 32) {
            summs = Math.fma(f16(w, off + 2), s[qo >> 5], summs);
            float db = f16(w, off) * d[qo >> 5];
            long q = off + 4;
            l0 = Math.fma(db, q4quad(w, q, 0, 0, qs, qo), l0);
            l1 = Math.fma(db, q4quad(w, q, 4, 0, qs, qo + 4), l1);
            l2 = Math.fma(db, q4quad(w, q, 8, 0, qs, qo + 8), l2);
            l3 = Math.fma(db, q4quad(w, q, 12, 0, qs, qo + 12), l3);
            l4 = Math.fma(db, q4quad(w, q, 16, 0, qs, qo + 16), l4);
            l5 = Math.fma(db, q4quad(w, q, 20, 0, qs, qo + 20), l5);
            l6 = Math.fma(db, q4quad(w, q, 24, 0, qs, qo + 24), l6);
            l7 = Math.fma(db, q4quad(w, q, 28, 0, qs, qo + 28), l7);
        }
        return hsum8(l0, l1, l2, l3, l4, l5, l6, l7) + summs;
    }

    /** Q5_0/Q5_1 element e (0..31): nibble plus the fifth bit (bit e of qh) as 16. */
    private static int q5(MemorySegment w, long q, int qh, int e) {
        return q4(w, q, e) | (((qh >>> e) & 1) << 4);
    }

    private static float q5quad(MemorySegment w, long q, int qh, int e, int bias, byte[] qs, int qo) {
        return (q5(w, q, qh, e) - bias) * qs[qo] + (q5(w, q, qh, e + 1) - bias) * qs[qo + 1]
                + (q5(w, q, qh, e + 2) - bias) * qs[qo + 2] + (q5(w, q, qh, e + 3) - bias) * qs[qo + 3];
    }

    /** Q5_0 × Q8_0, ggml_vec_dot_q5_0_q8_0 (AVX2) / tinyBLAS_Q0_AVX: the 8-lane structure, values nib|hb<<4 − 16. */
    static float q5_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 22, qo += 32) {
            int qh = i32(w, off + 2);
            float db = f16(w, off) * d[qo >> 5];
            long q = off + 6;
            l0 = Math.fma(db, q5quad(w, q, qh, 0, 16, qs, qo), l0);
            l1 = Math.fma(db, q5quad(w, q, qh, 4, 16, qs, qo + 4), l1);
            l2 = Math.fma(db, q5quad(w, q, qh, 8, 16, qs, qo + 8), l2);
            l3 = Math.fma(db, q5quad(w, q, qh, 12, 16, qs, qo + 12), l3);
            l4 = Math.fma(db, q5quad(w, q, qh, 16, 16, qs, qo + 16), l4);
            l5 = Math.fma(db, q5quad(w, q, qh, 20, 16, qs, qo + 20), l5);
            l6 = Math.fma(db, q5quad(w, q, qh, 24, 16, qs, qo + 24), l6);
            l7 = Math.fma(db, q5quad(w, q, qh, 28, 16, qs, qo + 28), l7);
        }
        return hsum8(l0, l1, l2, l3, l4, l5, l6, l7);
    }

    /** Q5_1 × Q8_1, ggml_vec_dot_q5_1_q8_1 (AVX2): as {@link #q4_1} with 5-bit unsigned values. */
    static float q5_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] d = a.d();
        float[] s = a.s();
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        float summs = 0;
        for (int b = 0, qo = aOff; b < n / 32; b++, off += 24, qo += 32) {
            summs = Math.fma(f16(w, off + 2), s[qo >> 5], summs);
            int qh = i32(w, off + 4);
            float db = f16(w, off) * d[qo >> 5];
            long q = off + 8;
            l0 = Math.fma(db, q5quad(w, q, qh, 0, 0, qs, qo), l0);
            l1 = Math.fma(db, q5quad(w, q, qh, 4, 0, qs, qo + 4), l1);
            l2 = Math.fma(db, q5quad(w, q, qh, 8, 0, qs, qo + 8), l2);
            l3 = Math.fma(db, q5quad(w, q, qh, 12, 0, qs, qo + 12), l3);
            l4 = Math.fma(db, q5quad(w, q, qh, 16, 0, qs, qo + 16), l4);
            l5 = Math.fma(db, q5quad(w, q, qh, 20, 0, qs, qo + 20), l5);
            l6 = Math.fma(db, q5quad(w, q, qh, 24, 0, qs, qo + 24), l6);
            l7 = Math.fma(db, q5quad(w, q, qh, 28, 0, qs, qo + 28), l7);
        }
        return hsum8(l0, l1, l2, l3, l4, l5, l6, l7) + summs;
    }

    // ------------------------------------------------------------------ K-quants (256-element blocks)

    /*
     * The AVX2 K-quant kernels all end in 8 int32 lanes per 256-element block: lane p (0..7) holds
     * Σ scale(e)·quant(e)·q8[e] over the elements e with (e mod 32) / 4 == p (each 32-byte vector covers 32
     * consecutive elements, maddubs/madd pair them up into int32 lane (byte index)/4; all integer, exact).
     * Per block: acc_p = fma(d, (float) lane_p, acc_p) with d = q8.d · F16(block d). The mins are handled per
     * type (see each kernel). Result hsum8(acc) (+ the mins term).
     */

    /** Q2_K quant (0..3) of element e of the block at off. */
    private static int q2kQuant(MemorySegment w, long off, int e) {
        return (u8(w, off + 16 + ((e >>> 7) << 5) + (e & 31)) >>> (2 * ((e >>> 5) & 3))) & 3;
    }

    /**
     * Q2_K × Q8_K (AVX2). Per block first acc_p = fma(dmin, (float)(m[2p]·bsum[2p] + m[2p+1]·bsum[2p+1]), acc_p)
     * with dmin = −q8.d · F16(dmin) and m the 4-bit mins, then acc_p = fma(d, lane_p, acc_p).
     */
    static float q2_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        Scratch scr = SCRATCH.get();
        float[] acc = scr.acc;
        int[] lane = scr.lane;
        java.util.Arrays.fill(acc, 0f);
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 84, qo += 256) {
            float yd = dy[qo >> 8];
            float d = yd * f16(w, off + 80);
            float dmin = -yd * f16(w, off + 82);
            int bs = qo >> 4;
            for (int p = 0; p < 8; p++) {
                int prod = (u8(w, off + 2 * p) >>> 4) * bsums[bs + 2 * p] + (u8(w, off + 2 * p + 1) >>> 4) * bsums[bs + 2 * p + 1];
                acc[p] = Math.fma(dmin, (float) prod, acc[p]);
                lane[p] = 0;
            }
            for (int e = 0; e < 256; e++) {
                int sc = u8(w, off + (e >>> 4)) & 0xF;
                lane[(e & 31) >>> 2] += sc * (q2kQuant(w, off, e) * qs[qo + e]);
            }
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(d, (float) lane[p], acc[p]);
            }
        }
        return hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
    }

    /** Q3_K quant of element e (0..255) of the block at off, in -4..3. */
    private static int q3kQuant(MemorySegment w, long off, int e) {
        int low = (u8(w, off + 32 + ((e >>> 7) << 5) + (e & 31)) >>> (2 * ((e >>> 5) & 3))) & 3;
        int high = (u8(w, off + (e & 31)) >>> (e >>> 5)) & 1;
        return low - (high != 0 ? 0 : 4);
    }

    /** Q3_K × Q8_K (AVX2): 6-bit signed scales per 16 elements, no mins. */
    static float q3_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        Scratch scr = SCRATCH.get();
        float[] acc = scr.acc;
        int[] lane = scr.lane;
        java.util.Arrays.fill(acc, 0f);
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 110, qo += 256) {
            java.util.Arrays.fill(lane, 0);
            for (int e = 0; e < 256; e++) {
                int sc = ScalarDequantizers.q3kScale(w, off + 96, e >>> 4);
                lane[(e & 31) >>> 2] += sc * (q3kQuant(w, off, e) * qs[qo + e]);
            }
            float d = dy[qo >> 8] * f16(w, off + 108);
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(d, (float) lane[p], acc[p]);
            }
        }
        return hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
    }

    /** Q4_K quant of element e of the block at off (0..15); Q5_K adds the fifth bit when hasHigh. */
    private static int q45kQuant(MemorySegment w, long qsOff, long qhOff, int e, boolean hasHigh) {
        int v = u8(w, qsOff + ((e >>> 6) << 5) + (e & 31));
        int q = (e & 32) == 0 ? v & 0xF : v >>> 4;
        if (hasHigh) {
            q += ((u8(w, qhOff + (e & 31)) >>> (e >>> 5)) & 1) << 4;
        }
        return q;
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
        Scratch scr = SCRATCH.get();
        float[] acc = scr.acc;
        float[] accM = scr.accM;
        int[] lane = scr.lane;
        java.util.Arrays.fill(acc, 0f);
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
            k45Lanes(w, off, off + 16, 0, false, qs, qo, lane);
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(d, (float) lane[p], acc[p]);
            }
        }
        return hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]) + ((accM[0] + accM[2]) + (accM[1] + accM[3]));
    }

    /**
     * Q5_K × Q8_K (AVX2). Mins as a scalar: per block the integer Σ_j m[j]·(bsum[2j] + bsum[2j+1]), then
     * {@code summs = fma(dmin, (float) that, summs)}. Result {@code hsum8(acc) + summs}.
     */
    static float q5_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        Scratch scr = SCRATCH.get();
        float[] acc = scr.acc;
        int[] lane = scr.lane;
        java.util.Arrays.fill(acc, 0f);
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
            k45Lanes(w, off, off + 48, off + 16, true, qs, qo, lane);
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(d, (float) lane[p], acc[p]);
            }
        }
        return hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]) + summs;
    }

    /** The 8 integer lanes of one Q4_K/Q5_K block (scales per 32 elements). */
    private static void k45Lanes(MemorySegment w, long off, long qsOff, long qhOff, boolean five, byte[] qs, int qo, int[] lane) {
        java.util.Arrays.fill(lane, 0);
        for (int sub = 0; sub < 8; sub++) {
            int sc = ScalarDequantizers.scaleMinK4(w, off + 4, sub) & 0xFF;
            for (int i = 0; i < 32; i++) {
                int e = 32 * sub + i;
                lane[i >>> 2] += sc * (q45kQuant(w, qsOff, qhOff, e, five) * qs[qo + e]);
            }
        }
    }

    /** Q6_K quant of element e of the block at off, in -32..31. */
    private static int q6kQuant(MemorySegment w, long off, int e) {
        int half = e >>> 7;
        int l = e & 31;
        int part = (e >>> 5) & 3;
        long ql = off + 64L * half + ((part & 1) << 5) + l;
        int lo = (part < 2) ? u8(w, ql) & 0xF : u8(w, ql) >>> 4;
        int hi = (u8(w, off + 128 + 32L * half + l) >>> (2 * part)) & 3;
        return (lo | (hi << 4)) - 32;
    }

    /** Q6_K × Q8_K (AVX2): signed 8-bit scales per 16 elements, no mins. */
    static float q6_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        byte[] qs = a.qs();
        float[] dy = a.d();
        Scratch scr = SCRATCH.get();
        float[] acc = scr.acc;
        int[] lane = scr.lane;
        java.util.Arrays.fill(acc, 0f);
        for (int b = 0, qo = aOff; b < n / 256; b++, off += 210, qo += 256) {
            java.util.Arrays.fill(lane, 0);
            for (int e = 0; e < 256; e++) {
                int sc = i8(w, off + 192 + (e >>> 4));
                lane[(e & 31) >>> 2] += sc * (q6kQuant(w, off, e) * qs[qo + e]);
            }
            float d = dy[qo >> 8] * f16(w, off + 208);
            for (int p = 0; p < 8; p++) {
                acc[p] = Math.fma(d, (float) lane[p], acc[p]);
            }
        }
        return hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
    }
}
