package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

/**
 * The one place that picks a llama.cpp-numerics kernel implementation per type: the Vector API kernels
 * ({@link VectorDotKernels}) when {@link VectorWidth#enabled()}, otherwise the scalar ones ({@link ScalarDotKernels}). Both compute llama.cpp's x86 SIMD lane structure and give
 * bit-identical results; the choice is made once, at class initialization, and logged by {@link VectorWidth}.
 */
public final class Kernels {
    private Kernels() {
    }

    /** Constant for the JIT: the untaken implementation is never loaded. */
    private static final boolean VECTOR = VectorWidth.enabled();

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

    /**
     * Whether the Vector API kernel of {@code type} is used: for every type whenever the Vector API is on. (Until
     * their kernels were written without vector-carrying helper methods, C2 sometimes boxed the vectors of Q5_0,
     * Q3_K, Q2_K, Q6_K and Q5_1, and those types ran their scalar twins; see {@link VectorKQuantKernels}.)
     */
    public static boolean vectorFor(GgmlType type) {
        return VECTOR;
    }

    /** Dot kernel for weights of {@code type}; throws if the type is not supported. */
    public static DotKernel dot(GgmlType type) {
        DotKernel k = vectorFor(type) ? VectorDotKernels.forType(type) : ScalarDotKernels.forType(type);
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
        DotKernel k = vectorFor(type) ? VectorDotKernels.forShape(type, rows, cols) : ScalarDotKernels.forShape(type, rows, cols);
        if (k == null) {
            throw new UnsupportedOperationException("no dot product for weights of type " + type);
        }
        return k;
    }

    /** llama.cpp CPU's {@code vec_dot_type} for weights of {@code type}. */
    public static GgmlType vecDotType(GgmlType type) {
        return dot(type).vecDotType();
    }

    /**
     * {@code ggml_vec_dot_f32} on two float arrays (attention scores and the like), bit-identical with
     * {@link ScalarDotKernels#f32Values}.
     */
    public static float dotF32(float[] x, int xOff, float[] y, int yOff, int n) {
        return VECTOR ? VectorDotKernels.f32Values(x, xOff, y, yOff, n) : ScalarDotKernels.f32Values(x, xOff, y, yOff, n);
    }

    /** The kernel width in bits (128, 256, 512), or 0 for the scalar kernels. */
    public static int vectorBits() {
        return VectorWidth.bits();
    }

    /** Which kernels are in use and why, in one line. */
    public static String description() {
        return VectorWidth.description();
    }
}
