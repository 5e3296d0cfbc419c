package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise functions of the forward pass in vector lanes, bit-identical with their scalar twins in
 * {@code dev.caravel.model.Ops} ({@link #expApprox}'s twin is {@code Ops.expApprox}): ggml's AVX-512
 * {@code ggml_v_expf} and {@code ggml_v_silu}. Every lane does the scalar's operations in the same order (FMA for
 * FMA), so the width does not matter.
 */
public final class VectorElementwise {
    private VectorElementwise() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final int L = VectorShapes.FL;

    /** Whether the vector versions are in use (the Vector API kernels are on). */
    public static boolean enabled() {
        return VectorWidth.enabled();
    }

    /**
     * {@code x[i] = x[i] / (1 + ggml_v_expf(0 - x[i]))} for i in {@code [off, off + n)}, n a multiple of 16 (the
     * lanes ggml computes with {@code ggml_v_silu}; a row's tail after its last full group of 16 is the caller's).
     */
    public static void siluGroups(float[] x, int off, int n) {
        if ((n & 15) != 0) {
            throw new IllegalArgumentException("n must be a multiple of 16: " + n);
        }
        lanes(x, off, n, 0f, true);
    }

    /** {@code x[i] = ggml_v_expf(x[i] - max)} for i in {@code [off, off + n)} (the exponentials of a softmax row). */
    public static void expShifted(float[] x, int off, int n, float max) {
        lanes(x, off, n, max, false);
    }

    /** The largest of {@code x[off .. off + n)} (−∞ for n = 0; NaN lanes as {@link Math#max}). */
    public static float max(float[] x, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.fromArray(F, x, off);
            for (i = L; i + L <= n; i += L) {
                // the fresh load is the receiver: a loop-carried one has only the declared type when C2 parses the
                // call, so it depends on the JVM-wide type profile of FloatVector.max, and boxes once that has seen
                // another width (docs/ARCHITECTURE.md, weight panels)
                acc = FloatVector.fromArray(F, x, off + i).max(acc);
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** {@code x[i] *= s} for i in {@code [off, off + n)}. */
    public static void scale(float[] x, int off, int n, float s) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** SiLU ({@code silu}) or {@code exp(x - max)} lane by lane, the last partial vector masked. */
    private static void lanes(float[] x, int off, int n, float max, boolean silu) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, off + i, m);
            // ggml_v_expf(a), written out (no vector-carrying helpers, see VectorQ32Kernels)
            FloatVector a = silu ? FloatVector.zero(F).sub(v) : v.sub(max);
            FloatVector z = a.fma(0x1.715476p+0f, 0x1.8p23f);
            FloatVector nn = z.sub(0x1.8p23f);
            FloatVector b = nn.neg().fma(FloatVector.broadcast(F, 0x1.7f7d1cp-20f), nn.neg().fma(FloatVector.broadcast(F, 0x1.62e4p-1f), a));
            FloatVector u = b.mul(b);
            FloatVector j = FloatVector.broadcast(F, 0x1.0e4020p-7f).fma(b, FloatVector.broadcast(F, 0x1.573e2ep-5f))
                    .fma(u, FloatVector.broadcast(F, 0x1.555e66p-3f).fma(b, FloatVector.broadcast(F, 0x1.fffdb6p-2f)))
                    .fma(u, FloatVector.broadcast(F, 0x1.ffffecp-1f).fma(b, FloatVector.broadcast(F, 1.0f)));
            // scalb(j, n) for |n| <= 192 as two exact power-of-two steps (the second rounds once, as scalb does)
            IntVector ni = (IntVector) nn.convert(VectorOperators.F2I, 0);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = ni.sub(n1);
            FloatVector p1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = j.mul(p1).mul(p2);
            VectorMask<Float> big = nn.abs().compare(VectorOperators.GT, 192f);
            FloatVector limit = FloatVector.zero(F).blend(Float.POSITIVE_INFINITY, nn.compare(VectorOperators.GT, 0f));
            e = e.blend(limit, big);
            (silu ? v.div(e.add(1.0f)) : e).intoArray(x, off + i, m);
        }
    }

    /** The scalar reference of one lane (the twin of {@code Ops.expApprox}), for tests. */
    static float expApprox(float x) {
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
        return Math.scalb(j, (int) n);
    }
}
