package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

/**
 * The one place that picks a kernel implementation per type. Today every kernel is the scalar one
 * ({@link ScalarDotKernels}: llama.cpp's x86 SIMD lane structure computed lane by lane, bit-identical with
 * it); a Vector API implementation will be selected here (per type, falling back to scalar) without callers
 * changing, and must compute the same lanes.
 */
public final class Kernels {
    private Kernels() {
    }

    /** Whether {@code type} can be used as a weight type (dequantized and multiplied). */
    public static boolean supports(GgmlType type) {
        return ScalarDotKernels.forType(type) != null;
    }

    /** Dequantizer for {@code type}; throws if the type is not supported. */
    public static Dequantizer dequantizer(GgmlType type) {
        Dequantizer d = ScalarDequantizers.forType(type);
        if (d == null) {
            throw new UnsupportedOperationException("cannot dequantize tensors of type " + type);
        }
        return d;
    }

    /** Dot kernel for weights of {@code type}; throws if the type is not supported. */
    public static DotKernel dot(GgmlType type) {
        DotKernel k = ScalarDotKernels.forType(type);
        if (k == null) {
            throw new UnsupportedOperationException("no dot product for weights of type " + type);
        }
        return k;
    }

    /**
     * Dot kernel for a (rows, cols) matrix of {@code type}: as {@link #dot(GgmlType)}, except where llama.cpp's
     * numerics depend on the shape (repacked Q4_0 for rows % 8 == 0; tinyBLAS only for rows % 4 == 0 and
     * cols % 16 == 0). Throws if the type is not supported.
     */
    public static DotKernel dot(GgmlType type, int rows, int cols) {
        DotKernel k = ScalarDotKernels.forShape(type, rows, cols);
        if (k == null) {
            throw new UnsupportedOperationException("no dot product for weights of type " + type);
        }
        return k;
    }

    /** llama.cpp CPU's {@code vec_dot_type} for weights of {@code type}. */
    public static GgmlType vecDotType(GgmlType type) {
        return dot(type).vecDotType();
    }
}
