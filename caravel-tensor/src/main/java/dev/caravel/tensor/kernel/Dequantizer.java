package dev.caravel.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Expands stored elements of one {@link dev.caravel.tensor.GgmlType} to floats, bit-exact with ggml's
 * {@code dequantize_row_*} (and its F16/BF16 → F32 conversions).
 */
@FunctionalInterface
public interface Dequantizer {
    /**
     * Dequantizes {@code n} elements stored from byte offset {@code off} of {@code src} into
     * {@code dst[dstOff .. dstOff+n)}. {@code off} must be the start of a block and {@code n} a multiple
     * of the type's block size; neither is checked here (callers such as {@code WeightMatrix} check).
     */
    void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n);
}
