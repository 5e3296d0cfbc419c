package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.Half;

import java.lang.foreign.MemorySegment;

import static dev.caravel.tensor.kernel.QMath.nearestInt;
import static dev.caravel.tensor.kernel.QMath.rint;
import static dev.caravel.tensor.kernel.QMath.roundf;

/**
 * Converts float activations to a {@code vec_dot_type}: Q8_0, Q8_1, Q8_K, F16, BF16 (or a plain F32 copy).
 *
 * <p>{@link Flavor#REFERENCE} is bit-exact with ggml's {@code quantize_row_q8_0_ref},
 * {@code quantize_row_q8_1_ref} and {@code quantize_row_q8_K_ref}. {@link Flavor#X86_SIMD} reproduces what
 * llama.cpp's CPU backend actually runs on an AVX/AVX2 machine for Q8_0 and Q8_1 (scale {@code 127/amax}
 * and round-half-to-even instead of {@code 1/(amax/127)} and round-half-away); the two differ only in the
 * rare element sitting on a rounding boundary. Q8_K has no SIMD variant on x86, so both flavors agree.
 * For BF16 the x86 flavor is the AVX512_BF16 conversion (denormals flushed in groups of 32).
 *
 * <p>Two output forms: into an {@link Activations} buffer (what the dot kernels read), or as ggml block
 * bytes ({@code quantizeRow*}) for files and for checking against ggml's layout.
 */
public final class ActivationQuantizer {
    /** Which of ggml's Q8_0/Q8_1 activation quantizers to reproduce. */
    public enum Flavor {
        /** ggml's portable reference ({@code quantize_row_q8_*_ref}, the generic CPU path). */
        REFERENCE,
        /** llama.cpp's x86 AVX/AVX2 {@code quantize_row_q8_0/q8_1}. */
        X86_SIMD
    }

    private ActivationQuantizer() {
    }

    /**
     * Converts {@code x[xOff .. xOff+n)} to {@code vecDotType} and stores it at element {@code aOff} of
     * {@code a} (reserving its arrays if needed). {@code n} and {@code aOff} must be multiples of the block
     * size of {@code vecDotType} (32 for Q8_0/Q8_1, 256 for Q8_K).
     */
    public static void quantize(GgmlType vecDotType, Flavor flavor, float[] x, int xOff, int n, Activations a, int aOff) {
        quantize(vecDotType, flavor, x, xOff, n, a, aOff, VectorWidth.enabled());
    }

    /**
     * As {@link #quantize(GgmlType, Flavor, float[], int, int, Activations, int)}, with the extra forms of the Vector
     * API kernels only if {@code withVectorForms} (a caller that may not need them fills them later with
     * {@link #fillVectorForms}).
     */
    public static void quantize(GgmlType vecDotType, Flavor flavor, float[] x, int xOff, int n, Activations a, int aOff,
                                boolean withVectorForms) {
        if (aOff < 0 || n < 0 || aOff + n > a.capacity()) {
            throw new IllegalArgumentException("activation range [" + aOff + ", " + (aOff + n) + ") outside capacity " + a.capacity());
        }
        a.reserve(vecDotType);
        switch (vecDotType) {
            case F32 -> System.arraycopy(x, xOff, a.f32(), aOff, n);
            case F16 -> toF16(x, xOff, n, a.half(), aOff);
            case BF16 -> {
                if (flavor == Flavor.X86_SIMD) {
                    toBf16Avx512(x, xOff, n, a.half(), aOff);
                } else {
                    toBf16(x, xOff, n, a.half(), aOff);
                }
            }
            case Q8_0 -> q8(x, xOff, n, a.qs(), a.d(), null, aOff, flavor);
            case Q8_1 -> q8(x, xOff, n, a.qs(), a.d(), a.s(), aOff, flavor);
            case Q8_K -> q8K(x, xOff, n, a.qs(), a.d(), a.bsums(), aOff);
            default -> throw new IllegalArgumentException("not an activation type: " + vecDotType);
        }
        if (withVectorForms && VectorWidth.enabled()) {
            vectorForms(vecDotType, a, aOff, n);
        }
    }

    /** The extra forms of the Vector API kernels for activations [aOff, aOff + n) already converted to {@code vecDotType}. */
    public static void fillVectorForms(GgmlType vecDotType, Activations a, int aOff, int n) {
        if (VectorWidth.enabled()) {
            vectorForms(vecDotType, a, aOff, n);
        }
    }

    /** Fills the extra forms the Vector API kernels read (see {@link Activations}); O(n), once per activation row. */
    static void vectorForms(GgmlType vecDotType, Activations a, int aOff, int n) {
        switch (vecDotType) {
            case Q8_0, Q8_1, Q8_K -> {
                byte[] qs = a.qs();
                short[] qw = a.qw();
                for (int b = aOff; b < aOff + n; b += 32) {
                    for (int j = 0; j < 16; j++) {
                        qw[b + j] = qs[b + 2 * j];
                        qw[b + 16 + j] = qs[b + 2 * j + 1];
                    }
                }
            }
            case F16 -> {
                short[] h = a.half();
                float[] f = a.f32();
                for (int i = aOff; i < aOff + n; i++) {
                    f[i] = Half.f16ToF32(h[i]);
                }
            }
            case BF16 -> {
                short[] h = a.half();
                float[] f = a.f32();
                int full = aOff + (n & ~31);
                for (int u = aOff; u < full; u += 32) {
                    for (int j = 0; j < 16; j++) {
                        f[u + j] = ftz(Half.bf16ToF32(h[u + 2 * j]));
                        f[u + 16 + j] = ftz(Half.bf16ToF32(h[u + 2 * j + 1]));
                    }
                }
                for (int i = full; i < aOff + n; i++) {
                    f[i] = Half.bf16ToF32(h[i]);
                }
            }
            default -> {
            }
        }
    }

    /** Denormals to (signed) zero, as AVX512_BF16 reads its inputs. */
    private static float ftz(float v) {
        return Math.abs(v) < Float.MIN_NORMAL ? v * 0f : v;
    }

    /** F32 → F16 bits, element-wise (round to nearest even). */
    public static void toF16(float[] x, int xOff, int n, short[] dst, int dstOff) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Half.f32ToF16(x[xOff + i]);
        }
    }

    /** F32 → BF16 bits, element-wise (round to nearest even, ggml's NaN rule). */
    public static void toBf16(float[] x, int xOff, int n, short[] dst, int dstOff) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Half.f32ToBf16(x[xOff + i]);
        }
    }

    /**
     * {@code ggml_fp32_to_bf16_row} on an AVX512_BF16 machine: groups of 32 go through
     * {@code vcvtne2ps2bf16}, which rounds like {@link #toBf16} but flushes denormal inputs to (signed) zero;
     * the tail of fewer than 32 is converted one by one without flushing.
     */
    public static void toBf16Avx512(float[] x, int xOff, int n, short[] dst, int dstOff) {
        int full = n & ~31;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            if (i < full && Math.abs(v) < Float.MIN_NORMAL) {
                v *= 0f;
            }
            dst[dstOff + i] = Half.f32ToBf16(v);
        }
    }

    private static void checkBlocks(int n, int block) {
        if (n % block != 0) {
            throw new IllegalArgumentException(n + " elements is not a multiple of the block size " + block);
        }
    }

    private static final boolean VECTOR = VectorWidth.enabled();

    /** Largest |x| of a block of 32: ggml's {@code MAX(amax, fabsf(x))}, element by element. */
    private static float amax32(float[] x, int o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            float v = Math.abs(x[o + j]);
            amax = amax > v ? amax : v;
        }
        return amax;
    }

    /**
     * Q8_0 / Q8_1 into arrays: qs[aOff+e], d[(aOff+e)/32] (F16-rounded), and if {@code s != null}
     * s[(aOff+e)/32] = F16(d·Σq) with the unrounded d, as ggml computes it.
     */
    static void q8(float[] x, int xOff, int n, byte[] qs, float[] d, float[] s, int aOff, Flavor flavor) {
        checkBlocks(n, 32);
        checkBlocks(aOff, 32);
        if (flavor == Flavor.X86_SIMD && VECTOR && VectorQ8Quantizer.ROUNDS) {
            VectorQ8Quantizer.q8Row(x, xOff, n, qs, d, s, aOff);
        } else {
            q8Scalar(x, xOff, n, qs, d, s, aOff, flavor);
        }
    }

    /** {@link #q8} element by element ({@link VectorQ8Quantizer#q8Row}'s scalar twin for the x86 flavour). */
    static void q8Scalar(float[] x, int xOff, int n, byte[] qs, float[] d, float[] s, int aOff, Flavor flavor) {
        boolean ref = flavor != Flavor.X86_SIMD;
        for (int b = 0; b < n / 32; b++) {
            int xo = xOff + 32 * b;
            int qo = aOff + 32 * b;
            float amax = amax32(x, xo);
            float dd = amax / 127;
            int sum = 0;
            if (ref) {
                float id = dd != 0f ? 1.0f / dd : 0.0f;
                for (int j = 0; j < 32; j++) {
                    int q = roundf(x[xo + j] * id);
                    qs[qo + j] = (byte) q;
                    sum += q;
                }
            } else {
                float id = amax != 0f ? 127f / amax : 0.0f;
                for (int j = 0; j < 32; j++) {
                    int q = rint(x[xo + j] * id);
                    qs[qo + j] = (byte) q;
                    sum += q;
                }
            }
            d[qo / 32] = Half.roundToF16(dd);
            if (s != null) {
                s[qo / 32] = Half.roundToF16(sum * dd);
            }
        }
    }

    /** Q8_K into arrays: qs[aOff+e], d[(aOff+e)/256] (float), bsums[(aOff+e)/16]. ggml's quantize_row_q8_K_ref. */
    static void q8K(float[] x, int xOff, int n, byte[] qs, float[] d, short[] bsums, int aOff) {
        checkBlocks(n, 256);
        checkBlocks(aOff, 256);
        for (int b = 0; b < n / 256; b++) {
            int xo = xOff + 256 * b;
            int qo = aOff + 256 * b;
            float max = 0;
            float amax = 0;
            for (int j = 0; j < 256; j++) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0f) {
                d[qo / 256] = 0f;
                for (int j = 0; j < 256; j++) {
                    qs[qo + j] = 0;
                }
                for (int j = 0; j < 16; j++) {
                    bsums[qo / 16 + j] = 0;
                }
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j++) {
                int v = nearestInt(iscale * x[xo + j]);
                qs[qo + j] = (byte) Math.min(127, v);
            }
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += qs[qo + 16 * j + i];
                }
                bsums[qo / 16 + j] = (short) sum;
            }
            d[qo / 256] = 1 / iscale;
        }
    }

    // ---------------------------------------------------------------- ggml block bytes

    /**
     * {@code quantize_row_q8_0_ref} (or the x86 SIMD flavor) into ggml blocks: per 32 elements, F16 d then
     * 32 int8 quants (34 bytes). Also the Q8_0 <em>weight</em> quantizer llama.cpp uses.
     */
    public static void quantizeRowQ8_0(float[] x, int xOff, int n, MemorySegment dst, long off, Flavor flavor) {
        checkBlocks(n, 32);
        boolean ref = flavor != Flavor.X86_SIMD;
        for (int b = 0; b < n / 32; b++, off += 34) {
            int xo = xOff + 32 * b;
            float amax = amax32(x, xo);
            float d = amax / 127;
            float id = ref ? (d != 0f ? 1.0f / d : 0.0f) : (amax != 0f ? 127f / amax : 0.0f);
            Bytes.putF16(dst, off, d);
            for (int j = 0; j < 32; j++) {
                float v = x[xo + j] * id;
                Bytes.put8(dst, off + 2 + j, ref ? roundf(v) : rint(v));
            }
        }
    }

    /** {@code quantize_row_q8_1_ref} into ggml blocks: F16 d, F16 s = d·Σq, 32 int8 quants (36 bytes). */
    public static void quantizeRowQ8_1(float[] x, int xOff, int n, MemorySegment dst, long off, Flavor flavor) {
        checkBlocks(n, 32);
        boolean ref = flavor != Flavor.X86_SIMD;
        for (int b = 0; b < n / 32; b++, off += 36) {
            int xo = xOff + 32 * b;
            float amax = amax32(x, xo);
            float d = amax / 127;
            float id = ref ? (d != 0f ? 1.0f / d : 0.0f) : (amax != 0f ? 127f / amax : 0.0f);
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[xo + j] * id;
                int q = ref ? roundf(v) : rint(v);
                Bytes.put8(dst, off + 4 + j, q);
                sum += q;
            }
            Bytes.putF16(dst, off, d);
            Bytes.putF16(dst, off + 2, sum * d);
        }
    }

    /** {@code quantize_row_q8_K_ref} into ggml blocks: float d, 256 int8 quants, 16 int16 bsums (292 bytes). */
    public static void quantizeRowQ8_K(float[] x, int xOff, int n, MemorySegment dst, long off) {
        checkBlocks(n, 256);
        byte[] qs = new byte[256];
        float[] d = new float[1];
        short[] bsums = new short[16];
        for (int b = 0; b < n / 256; b++, off += 292) {
            q8K(x, xOff + 256 * b, 256, qs, d, bsums, 0);
            Bytes.putF32(dst, off, d[0]);
            for (int j = 0; j < 256; j++) {
                Bytes.put8(dst, off + 4 + j, qs[j]);
            }
            for (int j = 0; j < 16; j++) {
                Bytes.put16(dst, off + 260 + 2L * j, bsums[j]);
            }
        }
    }
}
