package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The Vector API dot kernels, one per weight type, each computing exactly the lanes of its {@link ScalarDotKernels}
 * twin (so the results are bit-identical: same integer lane sums, same float operations in the same order).
 * Width and species come from {@link VectorWidth} / {@link VectorShapes}; use only when {@link VectorWidth#enabled()}.
 *
 * <p>Implementations by family: {@link VectorFloatKernels} (F32, F16, BF16), {@link VectorQ32Kernels} (Q8_0,
 * Q4_0, repacked Q4_0, Q4_1, Q5_0, Q5_1), {@link VectorKQuantKernels} (Q2_K..Q6_K). They read the extra activation
 * forms of {@link Activations} that {@link ActivationQuantizer} fills when the vector kernels are on.
 */
public final class VectorDotKernels {
    private VectorDotKernels() {
    }

    @FunctionalInterface
    private interface Fn {
        float dot(MemorySegment w, long off, Activations a, int aOff, int n);
    }

    @FunctionalInterface
    private interface Fn4 {
        void dot4(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride);
    }

    /** {@code fn4}: the four-row batched kernel ({@link VectorBatchKernels}), or null (then four batched calls). */
    private record Kernel(GgmlType weightType, GgmlType vecDotType, Fn fn, Fn batchedFn, Fn4 fn4) implements DotKernel {
        Kernel(GgmlType weightType, GgmlType vecDotType, Fn fn, Fn batchedFn) {
            this(weightType, vecDotType, fn, batchedFn, null);
        }

        @Override
        public float dot(MemorySegment w, long off, Activations a, int aOff, int n) {
            return fn.dot(w, off, a, aOff, n);
        }

        @Override
        public float dotBatched(MemorySegment w, long off, Activations a, int aOff, int n) {
            return batchedFn.dot(w, off, a, aOff, n);
        }

        @Override
        public void dotBatched4(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
            if (fn4 == null) {
                DotKernel.super.dotBatched4(w, off, a, aOff, aStride, n, out, outOff, outStride);
            } else {
                fn4.dot4(w, off, a, aOff, aStride, n, out, outOff, outStride);
            }
        }

        @Override
        public String toString() {
            return "VectorDotKernel[" + weightType + " x " + vecDotType + ", " + VectorShapes.BITS + "-bit]";
        }
    }

    private static DotKernel same(GgmlType t, GgmlType vt, Fn fn) {
        return new Kernel(t, vt, fn, fn);
    }

    /** As {@link #same}, with a four-row batched kernel where the 256-bit unit is in use. */
    private static DotKernel same(GgmlType t, GgmlType vt, Fn fn, Fn4 fn4) {
        return new Kernel(t, vt, fn, fn, VectorShapes.NARROW ? null : fn4);
    }

    private static final DotKernel F32 = new Kernel(GgmlType.F32, GgmlType.F32, VectorFloatKernels::f32, VectorFloatKernels::f32Tiny);
    private static final DotKernel F16 = new Kernel(GgmlType.F16, GgmlType.F16, VectorFloatKernels::f16, VectorFloatKernels::f16Tiny);
    private static final DotKernel BF16 = new Kernel(GgmlType.BF16, GgmlType.BF16, VectorFloatKernels::bf16, VectorFloatKernels::bf16Tiny);
    private static final DotKernel F32_NO_TINY = same(GgmlType.F32, GgmlType.F32, VectorFloatKernels::f32);
    private static final DotKernel F16_NO_TINY = same(GgmlType.F16, GgmlType.F16, VectorFloatKernels::f16);
    private static final DotKernel BF16_NO_TINY = same(GgmlType.BF16, GgmlType.BF16, VectorFloatKernels::bf16);
    private static final DotKernel Q4_0 = same(GgmlType.Q4_0, GgmlType.Q8_0, VectorQ32Kernels::q4_0, VectorBatchKernels::q4_0);
    private static final DotKernel Q4_0_REPACKED = same(GgmlType.Q4_0, GgmlType.Q8_0, VectorQ32Kernels::q4_0x8, VectorBatchKernels::q4_0x8);
    private static final DotKernel Q4_1 = same(GgmlType.Q4_1, GgmlType.Q8_1, VectorQ32Kernels::q4_1);
    private static final DotKernel Q5_0 = same(GgmlType.Q5_0, GgmlType.Q8_0, VectorQ32Kernels::q5_0, VectorBatchKernels::q5_0);
    private static final DotKernel Q5_1 = same(GgmlType.Q5_1, GgmlType.Q8_1, VectorQ32Kernels::q5_1);
    private static final DotKernel Q8_0 = same(GgmlType.Q8_0, GgmlType.Q8_0, VectorQ32Kernels::q8_0, VectorBatchKernels::q8_0);
    private static final DotKernel Q2_K = same(GgmlType.Q2_K, GgmlType.Q8_K,
            VectorShapes.NARROW ? VectorKQuant128Kernels::q2_K : VectorKQuantKernels::q2_K);
    private static final DotKernel Q3_K = same(GgmlType.Q3_K, GgmlType.Q8_K,
            VectorShapes.NARROW ? VectorKQuant128Kernels::q3_K : VectorKQuantKernels::q3_K);
    private static final DotKernel Q4_K = same(GgmlType.Q4_K, GgmlType.Q8_K,
            VectorShapes.NARROW ? VectorKQuant128Kernels::q4_K : VectorKQuantKernels::q4_K, VectorBatchKernels::q4_K);
    private static final DotKernel Q5_K = same(GgmlType.Q5_K, GgmlType.Q8_K,
            VectorShapes.NARROW ? VectorKQuant128Kernels::q5_K : VectorKQuantKernels::q5_K, VectorBatchKernels::q5_K);
    private static final DotKernel Q6_K = same(GgmlType.Q6_K, GgmlType.Q8_K,
            VectorShapes.NARROW ? VectorKQuant128Kernels::q6_K : VectorKQuantKernels::q6_K, VectorBatchKernels::q6_K);

    /** The vector kernel for weights of {@code type} (twin of {@link ScalarDotKernels#forType}), or {@code null}. */
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

    /** The vector kernel for a (rows, cols) matrix (twin of {@link ScalarDotKernels#forShape}), or {@code null}. */
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

    /** Twin of {@link ScalarDotKernels#f32Values}: ggml_vec_dot_f32 on two float arrays. */
    public static float f32Values(float[] x, int xo, float[] y, int yo, int n) {
        return VectorFloatKernels.f32Values(x, xo, y, yo, n);
    }

    /** Twin of {@link ScalarDotKernels#f32ValuesTiny} ({@code n % 16 == 0}). */
    public static float f32ValuesTiny(float[] x, int xo, float[] y, int yo, int n) {
        return VectorFloatKernels.f32ValuesTiny(x, xo, y, yo, n);
    }
}
