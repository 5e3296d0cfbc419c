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
            // FusedK is written for 16 lanes; narrower vectors dequantize rows into a buffer instead
            case Q5_0 -> FloatLanes.LANES == 16 ? Q5_0 : null;
            case Q4_K -> FloatLanes.LANES == 16 ? Q4_K : null;
            case Q6_K -> FloatLanes.LANES == 16 ? Q6_K : null;
            default -> null;
        };
    }

    /** A dequantizer with ggml's exact results: a vectorised one where there is one, else the scalar reference. */
    static Dequantizer dequantizer(GgmlType type) {
        Dequantizer d = FastDequant.forType(type);
        return d != null ? d : Kernels.dequantizer(type);
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

    /** A one-row fused kernel of {@link FusedK}, two rows being two calls. */
    @FunctionalInterface
    private interface Row {
        void dot(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo);
    }

    private static FusedDot oneRow(Row k) {
        return new FusedDot() {
            @Override
            public void dot2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
                k.dot(w, off, x, xo, cols, lanes, 0);
                k.dot(w, off + rowBytes, x, xo, cols, lanes, FloatLanes.LANES);
            }

            @Override
            public void dot1(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes) {
                k.dot(w, off, x, xo, cols, lanes, 0);
            }
        };
    }

    private static final FusedDot Q5_0 = oneRow(FusedK::q5_0);
    private static final FusedDot Q4_K = oneRow(FusedK::q4_K);
    private static final FusedDot Q6_K = oneRow(FusedK::q6_K);
}
