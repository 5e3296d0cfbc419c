package dev.caravel.tensor.fast;

import java.lang.foreign.MemorySegment;

/**
 * A decode kernel that multiplies stored weight rows with one float activation row without first dequantizing
 * them into a buffer. Its results are exactly {@link FloatLanes}' contract, the same as dequantizing the rows and
 * running the batched tiles.
 */
interface FusedDot {
    /**
     * Rows at byte offsets {@code off} and {@code off + rowBytes} of {@code w}, each {@code cols} elements, times
     * {@code x[xo .. xo+cols)}; the two accumulators, not yet folded, to {@code lanes[0 .. 2·LANES)}.
     */
    void dot2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes);

    /** The row at byte {@code off} times {@code x[xo .. xo+cols)}; the accumulator, unfolded, to {@code lanes[0 .. LANES)}. */
    void dot1(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes);
}
