package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Dot product of one stored weight row with activations already converted to the weight type's
 * {@link #vecDotType()} — ggml's {@code ggml_vec_dot_<type>_<vec_dot_type>}.
 */
public interface DotKernel {
    /** The weight type this kernel reads. */
    GgmlType weightType();

    /** The activation type it expects in {@link Activations} (llama.cpp CPU's {@code vec_dot_type}). */
    GgmlType vecDotType();

    /**
     * Σ w[i]·a[aOff+i] for i &lt; n, where the weight row starts at byte {@code off} of {@code w}.
     * {@code n} is a multiple of the weight block size and {@code aOff} of the activation block size.
     */
    float dot(MemorySegment w, long off, Activations a, int aOff, int n);

    /**
     * The same dot product as llama.cpp computes it inside a <em>batched</em> matrix multiplication (two or
     * more activation rows, e.g. a prompt): there llamafile's tinyBLAS takes over for some types and sums in
     * another order. Defaults to {@link #dot}, which is right for every type whose batched path has the same
     * lane structure.
     */
    default float dotBatched(MemorySegment w, long off, Activations a, int aOff, int n) {
        return dot(w, off, a, aOff, n);
    }

    /**
     * {@link #dotBatched} of one weight row with four activation rows, at {@code aOff + k·aStride} for k = 0..3;
     * the results to {@code out[outOff + k·outStride]}. Vector kernels override it to unpack each weight block
     * once for the four rows (same results); this default, four {@link #dotBatched} calls, is their twin.
     */
    default void dotBatched4(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        for (int k = 0; k < 4; k++) {
            out[outOff + k * outStride] = dotBatched(w, off, a, aOff + k * aStride, n);
        }
    }
}
