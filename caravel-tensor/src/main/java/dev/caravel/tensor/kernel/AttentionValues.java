package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The value half of attention for one head: {@code out[i] = Σ_t p[t] · v[t·vStride + i]} for {@code i < dim},
 * {@code t < n}, summed exactly as llama.cpp's {@code kqv = mul_mat(V, kq)} sums it over its transposed F32 V
 * cache, whose length is {@code n} padded to a multiple of 32 (padding weighs 0):
 * <ul>
 *   <li>one token ({@code batched} false): {@code ggml_vec_dot_f32} over the padded length, 64 FMA lanes over
 *       {@code t ≡ j (mod 64)} below {@code np = padded & ~63}, folded {@code ((s_l + s_{l+32}) + (s_{l+16} +
 *       s_{l+48}))} per lane {@code l < 16}, reduced like {@code _mm512_reduce_add_ps}, then the positions from
 *       {@code np} on added one by one;</li>
 *   <li>a prompt evaluated as one batch ({@code batched}): tinyBLAS, 16 FMA lanes over {@code t ≡ l (mod 16)},
 *       reduced the same way.</li>
 * </ul>
 *
 * <p>{@link #scalar} computes each output element's lanes one after another, reading V with a stride. The fast
 * {@link #vector} keeps the same lanes for all {@code dim} elements at once in {@code lanes} (64 rows of
 * {@code dim} floats), so every position's V row is read once, contiguously, and every FMA is the scalar's FMA
 * on the same operands in the same order: the results are bit-identical.
 */
public final class AttentionValues {
    private AttentionValues() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final int L = VectorShapes.FL;
    private static final boolean VECTOR = VectorWidth.enabled();

    /** Floats of scratch {@link #attend} needs for heads of {@code dim} values. */
    public static int scratchSize(int dim) {
        return 64 * dim;
    }

    /** The fast path when the Vector API is on, else the scalar twin. */
    public static void attend(float[] out, int outOff, float[] p, int pOff, int n, float[] v, int vOff, int vStride,
                              int dim, boolean batched, float[] lanes) {
        if (VECTOR) {
            vector(out, outOff, p, pOff, n, v, vOff, vStride, dim, batched, lanes);
        } else {
            scalar(out, outOff, p, pOff, n, v, vOff, vStride, dim, batched);
        }
    }

    /** One-token numerics: lanes below this position run over 64 lanes, the rest are added in order. */
    static int laneEnd(int n) {
        return (Math.max(32, (n + 31) & ~31)) & ~63;
    }

    // ---- the scalar twin: one output element at a time

    public static void scalar(float[] out, int outOff, float[] p, int pOff, int n, float[] v, int vOff, int vStride,
                              int dim, boolean batched) {
        int np = batched ? 0 : laneEnd(n);
        int end = Math.min(n, np);
        for (int i = 0; i < dim; i++) {
            int vo = vOff + i;
            float sum;
            if (batched) {
                sum = reduce16(p, pOff, n, v, vo, vStride, false);
            } else {
                sum = np > 0 ? reduce16(p, pOff, end, v, vo, vStride, true) : 0f;
                for (int t = np; t < n; t++) {
                    sum += p[pOff + t] * v[vo + t * vStride];
                }
            }
            out[outOff + i] = sum;
        }
    }

    /** {@code _mm512_reduce_add_ps} of the 16 lanes: u_l = (x_l + x_{l+8}) + (x_{l+4} + x_{l+12}), (u0 + u2) + (u1 + u3). */
    private static float reduce16(float[] p, int pOff, int end, float[] v, int vo, int vStride, boolean wide) {
        float u0 = 0;
        float u1 = 0;
        float u2 = 0;
        float u3 = 0;
        for (int l = 0; l < 4; l++) {
            float u = (lane16(p, pOff, end, v, vo, vStride, l, wide) + lane16(p, pOff, end, v, vo, vStride, l + 8, wide))
                    + (lane16(p, pOff, end, v, vo, vStride, l + 4, wide) + lane16(p, pOff, end, v, vo, vStride, l + 12, wide));
            switch (l) {
                case 0 -> u0 = u;
                case 1 -> u1 = u;
                case 2 -> u2 = u;
                default -> u3 = u;
            }
        }
        return (u0 + u2) + (u1 + u3);
    }

    /** Lane l of 16: tinyBLAS's FMA chain, or ggml_vec_dot_f32's four 64-lane chains folded. */
    private static float lane16(float[] p, int pOff, int end, float[] v, int vo, int vStride, int l, boolean wide) {
        if (!wide) {
            return lane(p, pOff, end, v, vo, vStride, l, 16);
        }
        float s0 = lane(p, pOff, end, v, vo, vStride, l, 64);
        float s1 = lane(p, pOff, end, v, vo, vStride, l + 16, 64);
        float s2 = lane(p, pOff, end, v, vo, vStride, l + 32, 64);
        float s3 = lane(p, pOff, end, v, vo, vStride, l + 48, 64);
        return (s0 + s2) + (s1 + s3);
    }

    /** FMA chain over t = j, j + step, … below end. */
    private static float lane(float[] p, int pOff, int end, float[] v, int vo, int vStride, int j, int step) {
        float acc = 0f;
        for (int t = j; t < end; t += step) {
            acc = Math.fma(v[vo + t * vStride], p[pOff + t], acc);
        }
        return acc;
    }

    // ---- the fast kernel: every output element's lanes together

    /**
     * @param lanes scratch of at least {@link #scratchSize}{@code (dim)} floats: row {@code j} (of {@code dim})
     *              holds lane {@code j} of every output element
     */
    public static void vector(float[] out, int outOff, float[] p, int pOff, int n, float[] v, int vOff, int vStride,
                              int dim, boolean batched, float[] lanes) {
        int laneCount = batched ? 16 : 64;
        int np = batched ? n : laneEnd(n);
        int end = Math.min(n, np);
        java.util.Arrays.fill(lanes, 0, laneCount * dim, 0f);
        int vecEnd = dim - dim % L;
        for (int t = 0; t < end; t++) {
            int row = (t & (laneCount - 1)) * dim;
            float pt = p[pOff + t];
            int vRow = vOff + t * vStride;
            FloatVector pv = FloatVector.broadcast(F, pt);
            int i = 0;
            for (; i < vecEnd; i += L) {
                FloatVector.fromArray(F, v, vRow + i).fma(pv, FloatVector.fromArray(F, lanes, row + i)).intoArray(lanes, row + i);
            }
            for (; i < dim; i++) {
                lanes[row + i] = Math.fma(v[vRow + i], pt, lanes[row + i]);
            }
        }
        if (!batched) {
            if (np == 0) {
                java.util.Arrays.fill(out, outOff, outOff + dim, 0f);
            } else {
                // s_l = (s_l + s_{l+32}) + (s_{l+16} + s_{l+48}) into rows 0..15, then the 16-lane reduction.
                for (int l = 0; l < 16; l++) {
                    combine4(lanes, l * dim, (l + 32) * dim, (l + 16) * dim, (l + 48) * dim, l * dim, dim, vecEnd);
                }
                reduceRows(lanes, out, outOff, dim, vecEnd);
            }
            for (int t = np; t < n; t++) {
                float pt = p[pOff + t];
                int vRow = vOff + t * vStride;
                for (int i = 0; i < dim; i++) {
                    out[outOff + i] += pt * v[vRow + i];
                }
            }
        } else {
            reduceRows(lanes, out, outOff, dim, vecEnd);
        }
    }

    /** {@code x[d..] = (x[a..] + x[b..]) + (x[c..] + x[e..])} element-wise over {@code dim}. */
    private static void combine4(float[] x, int a, int b, int c, int e, int d, int dim, int vecEnd) {
        int i = 0;
        for (; i < vecEnd; i += L) {
            FloatVector ab = FloatVector.fromArray(F, x, a + i).add(FloatVector.fromArray(F, x, b + i));
            FloatVector ce = FloatVector.fromArray(F, x, c + i).add(FloatVector.fromArray(F, x, e + i));
            ab.add(ce).intoArray(x, d + i);
        }
        for (; i < dim; i++) {
            x[d + i] = (x[a + i] + x[b + i]) + (x[c + i] + x[e + i]);
        }
    }

    /** {@code out[i] = reduce16} of rows 0..15 of {@code lanes}, element-wise; uses rows 0..3 as scratch. */
    private static void reduceRows(float[] lanes, float[] out, int outOff, int dim, int vecEnd) {
        // u_l = (r_l + r_{l+8}) + (r_{l+4} + r_{l+12}) for l < 4, into rows 0..3 (each reads its own row first).
        for (int l = 0; l < 4; l++) {
            combine4(lanes, l * dim, (l + 8) * dim, (l + 4) * dim, (l + 12) * dim, l * dim, dim, vecEnd);
        }
        int i = 0;
        for (; i < vecEnd; i += L) {
            FloatVector u02 = FloatVector.fromArray(F, lanes, i).add(FloatVector.fromArray(F, lanes, 2 * dim + i));
            FloatVector u13 = FloatVector.fromArray(F, lanes, dim + i).add(FloatVector.fromArray(F, lanes, 3 * dim + i));
            u02.add(u13).intoArray(out, outOff + i);
        }
        for (; i < dim; i++) {
            out[outOff + i] = (lanes[i] + lanes[2 * dim + i]) + (lanes[dim + i] + lanes[3 * dim + i]);
        }
    }
}
