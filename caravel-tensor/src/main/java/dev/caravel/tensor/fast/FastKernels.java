package dev.caravel.tensor.fast;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.Kernels;

import java.lang.foreign.MemorySegment;

/**
 * Picks the fast-path kernels of a weight type: a {@link FusedDot} for one activation row (null where the type
 * has none: then rows are dequantized and multiplied by {@link FloatTiles}) and the row dequantizer for batches.
 * Only consulted when the Vector API kernels run ({@link FloatLanes#VECTOR}).
 */
final class FastKernels {
    private FastKernels() {
    }

    static FusedDot fused(GgmlType type) {
        return switch (type) {
            case Q4_0 -> Q4_0;
            case Q8_0 -> Q8_0;
            default -> null;
        };
    }

    /** A dequantizer with ggml's exact results: a vectorised one where there is one, else the scalar reference. */
    static Dequantizer dequantizer(GgmlType type) {
        return Kernels.dequantizer(type);
    }

    private static final FusedDot Q4_0 = new FusedDot() {
        @Override
        public void dot2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
            FusedQ32.q4_0x2(w, off, rowBytes, x, xo, cols, lanes);
        }

        @Override
        public void dot1(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes) {
            FusedQ32.q4_0(w, off, x, xo, cols, lanes, 0);
        }
    };

    private static final FusedDot Q8_0 = new FusedDot() {
        @Override
        public void dot2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
            FusedQ32.q8_0x2(w, off, rowBytes, x, xo, cols, lanes);
        }

        @Override
        public void dot1(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes) {
            FusedQ32.q8_0(w, off, x, xo, cols, lanes, 0);
        }
    };
}
