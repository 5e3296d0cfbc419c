package dev.caravel.model;

import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tensor.kernel.VectorElementwise;

/**
 * Element-wise and reduction operations of the forward pass, written to reproduce llama.cpp's CPU
 * numerics bit for bit on an x86-64 AVX-512 machine (ggml as of February 2025, GCC): sums of squares and
 * softmax denominators accumulated in double, the rest in float, with ggml's own vectorized exp/SiLU
 * approximations ({@code ggml_v_expf}, {@code ggml_v_silu}) transcribed lane by lane. rmsNorm, layerNorm,
 * softmax (attention rows), the SiLU of swiglu, gelu, dot and attendValues were checked against single ggml
 * ops (identical floats on random data) and reproduce llama.cpp's logits at print precision.
 *
 * <p>The attention helpers assume the scores/values of a head start at KV position 0 (llama.cpp's SIMD
 * groups are aligned to the start of the cache); with a sliding window ({@code first > 0}) they stay
 * correct but may round differently from llama.cpp.
 *
 * <p>All methods work in place or into caller-provided arrays: nothing here allocates.
 */
public final class Ops {
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float GELU_COEF_A = 0.044715f;
    /** GELU as llama.cpp computes it: through a table indexed by the F16 input, holding F16 outputs. */
    private static final float[] GELU_F16_TABLE = buildGeluTable();

    private Ops() {
    }

    /** {@code out = x / rms(x) * weight} over {@code n} elements (weight may be null: no scaling). */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += (double) (v * v);
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps); // 1.0f/sqrtf(mean + eps)
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i] * scale;
            out[outOff + i] = weight == null ? v : v * weight[i];
        }
    }

    /** {@code out = (x - mean) / sqrt(var + eps) * weight + bias}; weight and bias may be null. */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i];
        }
        float mean = (float) (sum / n);
        double sq = 0;
        for (int i = 0; i < n; i++) {
            float d = x[xOff + i] - mean;
            out[outOff + i] = d;
            sq += (double) (d * d);
        }
        float variance = (float) (sq / n);
        float scale = 1.0f / (float) Math.sqrt(variance + eps); // 1.0f/sqrtf(variance + eps)
        for (int i = 0; i < n; i++) {
            float v = out[outOff + i] * scale;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            out[outOff + i] = v;
        }
    }

    public static void add(float[] acc, int accOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] += x[xOff + i];
        }
    }

    public static void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /**
     * SiLU as ggml's scalar {@code ggml_silu_f32}: {@code x/(1.0f + expf(-x))} (with the JDK's exp, which may
     * differ from glibc's expf in the last bit now and then). ggml uses it only for the tail of a row after
     * its groups of 16 — see {@link #siluInPlace} for a whole row.
     */
    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    /**
     * ggml's AVX-512 {@code ggml_v_expf} for one lane (adapted from ARM's optimized routines, max error
     * 1.45 ulp + 0.5): {@code n = round(x/ln2)}, a degree-5 polynomial in the reduced argument, scaled by
     * 2^n; arguments with |n| &gt; 192 give 0 or +∞.
     */
    public static float expApprox(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        float u = b * b;
        float j = Math.fma(
                Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u,
                Math.fma(0x1.ffffecp-1f, b, 1.0f));
        if (Math.abs(n) > 192f) {
            return n <= 0f ? 0f : Float.POSITIVE_INFINITY;
        }
        return Math.scalb(j, (int) n); // _mm512_scalef_ps(j, n)
    }

    /** ggml's AVX-512 {@code ggml_v_silu} for one lane: {@code x / (1 + ggml_v_expf(0 - x))}. */
    public static float siluApprox(float x) {
        return x / (1.0f + expApprox(0.0f - x));
    }

    /**
     * {@code ggml_vec_silu_f32} over {@code x[off .. off+n)} in place: {@link #siluApprox} on every full group
     * of 16 (AVX-512), the scalar {@link #silu} on the rest.
     */
    public static void siluInPlace(float[] x, int off, int n) {
        int full = n & ~15;
        int i = 0;
        if (VectorElementwise.enabled()) {
            VectorElementwise.siluGroups(x, off, full); // the same lanes in SIMD, bit for bit
            i = full;
        }
        for (; i < full; i++) {
            x[off + i] = siluApprox(x[off + i]);
        }
        for (; i < n; i++) {
            x[off + i] = silu(x[off + i]);
        }
    }

    /** GELU (tanh approximation) exactly as ggml's CPU backend: input and output rounded to F16. */
    public static float gelu(float x) {
        if (x <= -10.0f) {
            return 0.0f;
        }
        if (x >= 10.0f) {
            return x;
        }
        return GELU_F16_TABLE[Float.floatToFloat16(x) & 0xFFFF];
    }

    /** GELU (tanh approximation) in full float precision. */
    public static float geluExact(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    /**
     * ggml's table: {@code F16(ggml_gelu_f32(x))} for every F16 x, where GCC contracts
     * {@code 1.0f + GELU_COEF_A*x*x} into {@code fma(GELU_COEF_A*x, x, 1.0f)}. (glibc's tanhf and the JDK's
     * tanh differ in the last float bit now and then, but never after rounding to F16.)
     */
    private static float[] buildGeluTable() {
        float[] table = new float[1 << 16];
        for (int i = 0; i < table.length; i++) {
            float x = Float.float16ToFloat((short) i);
            float g = 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * Math.fma(GELU_COEF_A * x, x, 1.0f)));
            table[i] = Float.float16ToFloat(Float.floatToFloat16(g));
        }
        return table;
    }

    /**
     * {@code gate[i] = silu(gate[i]) * up[i]} (SwiGLU), as llama.cpp's {@code ggml_silu} then {@code ggml_mul}
     * (see {@link #siluInPlace} for the SiLU lanes).
     */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        siluInPlace(gate, gateOff, n);
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] *= up[upOff + i];
        }
    }

    /** {@code gate[i] = gelu(gate[i]) * up[i]} (GeGLU). */
    public static void geglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] = gelu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /**
     * In-place softmax over {@code x[off .. off+n)} as ggml's {@code soft_max} computes a row of attention
     * scores: {@code e_i = ggml_v_expf(x_i - max)} ({@link #expApprox}) in groups of 16 lanes starting at
     * {@code off}, each group summed with {@code _mm512_reduce_add_ps} and added to a double; then every
     * {@code e_i} is multiplied by {@code (float) (1/sum)}. In llama.cpp the row is the KV cache's used
     * length padded to a multiple of 32 with masked (−∞, so 0) entries: the groups are aligned to position 0
     * of the cache, and a last partial group simply has zero lanes, which is what this computes when
     * {@code x[off]} is position 0.
     */
    public static void softmax(float[] x, int off, int n) {
        if (VectorElementwise.enabled()) {
            softmaxLanes(x, off, n);
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int c = 0; c < n; c += 16) {
            // _mm512_reduce_add_ps of lanes c..c+15 (lanes past n are 0): t_i = l_i + l_{i+8}, u_i = t_i + t_{i+4}
            float u0 = 0, u1 = 0, u2 = 0, u3 = 0;
            for (int i = 0; i < 4; i++) {
                float t = (lane(x, off, n, c + i, max) + lane(x, off, n, c + i + 8, max))
                        + (lane(x, off, n, c + i + 4, max) + lane(x, off, n, c + i + 12, max));
                switch (i) {
                    case 0 -> u0 = t;
                    case 1 -> u1 = t;
                    case 2 -> u2 = t;
                    default -> u3 = t;
                }
            }
            sum += (u0 + u2) + (u1 + u3);
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@link #softmax} with the max, the exponentials and the scaling in SIMD lanes (same operations per lane). */
    private static void softmaxLanes(float[] x, int off, int n) {
        float max = VectorElementwise.max(x, off, n);
        VectorElementwise.expShifted(x, off, n, max);
        double sum = 0;
        for (int c = 0; c < n; c += 16) {
            // _mm512_reduce_add_ps of lanes c..c+15 (lanes past n are 0): t_i = l_i + l_{i+8}, u_i = t_i + t_{i+4}
            float u0 = (at(x, off, n, c) + at(x, off, n, c + 8)) + (at(x, off, n, c + 4) + at(x, off, n, c + 12));
            float u1 = (at(x, off, n, c + 1) + at(x, off, n, c + 9)) + (at(x, off, n, c + 5) + at(x, off, n, c + 13));
            float u2 = (at(x, off, n, c + 2) + at(x, off, n, c + 10)) + (at(x, off, n, c + 6) + at(x, off, n, c + 14));
            float u3 = (at(x, off, n, c + 3) + at(x, off, n, c + 11)) + (at(x, off, n, c + 7) + at(x, off, n, c + 15));
            sum += (u0 + u2) + (u1 + u3);
        }
        VectorElementwise.scale(x, off, n, (float) (1.0 / sum));
    }

    /** x[off + i], or 0 past the row. */
    private static float at(float[] x, int off, int n, int i) {
        return i < n ? x[off + i] : 0f;
    }

    /** Softmax lane i of a group: stores and returns ggml_v_expf(x_i - max), or 0 past the row. */
    private static float lane(float[] x, int off, int n, int i, float max) {
        if (i >= n) {
            return 0f;
        }
        float e = expApprox(x[off + i] - max);
        x[off + i] = e;
        return e;
    }

    /** {@code x = tanh(x / cap) * cap}: Gemma 2's soft capping of attention scores and logits. */
    public static void softcap(float[] x, int off, int n, float cap) {
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.tanh(x[off + i] / cap) * cap;
        }
    }

    /**
     * {@code Σ a[i]·b[i]} as ggml's {@code ggml_vec_dot_f32} (AVX-512: 64 FMA lanes, folded and reduced, then
     * the tail added in order) — what llama.cpp uses for the attention scores q·k. The SIMD twin when the
     * Vector API kernels are on (bit-identical).
     */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return Kernels.dotF32(a, aOff, b, bOff, n);
    }

    /**
     * The attention output of one head (the scalar twin; the decoder uses the vectorized
     * {@link dev.caravel.tensor.kernel.AttentionValues#attend}): {@code out[outOff + i] = Σ_t p[pOff + t] · v[vOff + t·vStride + i]} for
     * {@code i < dim}, {@code t < n}, summed as llama.cpp's {@code kqv = mul_mat(V, kq)} does with its
     * transposed F32 V cache, whose KV length is the used length {@code n} padded to a multiple of 32
     * (padding entries weigh 0):
     * <ul>
     *   <li>{@code batched} (a prompt evaluated as one batch): tinyBLAS — 16 FMA lanes over
     *       {@code t ≡ lane (mod 16)}, reduced with {@code _mm512_reduce_add_ps};</li>
     *   <li>otherwise (one token): {@code ggml_vec_dot_f32} over the padded length — 64 FMA lanes over the
     *       first {@code padded & ~63} positions, then the rest added in order.</li>
     * </ul>
     */
    public static void attendValues(float[] out, int outOff, float[] p, int pOff, int n,
                                    float[] v, int vOff, int vStride, int dim, boolean batched) {
        dev.caravel.tensor.kernel.AttentionValues.scalar(out, outOff, p, pOff, n, v, vOff, vStride, dim, batched);
    }
}
