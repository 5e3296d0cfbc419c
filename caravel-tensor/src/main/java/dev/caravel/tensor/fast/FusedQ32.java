package dev.caravel.tensor.fast;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.caravel.tensor.fast.FloatLanes.B16;
import static dev.caravel.tensor.fast.FloatLanes.F;
import static dev.caravel.tensor.fast.FloatLanes.I;
import static dev.caravel.tensor.fast.FloatLanes.LANES;
import static dev.caravel.tensor.fast.FloatLanes.LE;
import static dev.caravel.tensor.fast.FloatLanes.f16;

/**
 * Fused decode kernels for the 32-element block types Q4_0 and Q8_0: the weights are dequantized in registers
 * (ggml's exact {@code (q - 8)·d} / {@code q·d}, so that the result is {@link FloatLanes}' contract) and
 * multiplied into one activation row straight away — one pass over the weight bytes, no row buffer.
 *
 * <p>Two weight rows are multiplied at once: they share the activation loads, and their independent
 * accumulator chains hide the FMA latency (each output keeps a single chain, as the contract requires).
 * Within a block, each lane's elements are visited in increasing index: with 16 lanes that is the low nibbles
 * (elements 0..15) then the high ones (16..31); narrower vectors take the 16 bytes in parts of {@code LANES}.
 */
final class FusedQ32 {
    private FusedQ32() {
    }

    /** Parts of {@link FloatLanes#LANES} elements in 16 bytes. */
    private static final int P = 16 / LANES;

    // The nibble and byte conversions are written out in each kernel rather than in helper methods: a vector
    // handed to a method C2 does not inline is boxed, and in a JVM where other kernels had run it sometimes did not
    // inline them (the allocation test of the FAST kernels caught it at 256 bits).

    /**
     * Q4_0 rows at byte offsets {@code off} and {@code off + rowBytes} times x; the two accumulators go to
     * {@code lanes[0 .. 2·LANES)} unfolded. (Two rows, not more: a bigger body exceeds C2's inlining node budget
     * and the vectors get boxed.)
     */
    static void q4_0x2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
        if (LANES == 16) {
            q4_0x2Table(w, off, rowBytes, x, xo, cols, lanes);
        } else { // narrower vectors take several parts per block: two rows at once would be too big a body for C2
            q4_0(w, off, x, xo, cols, lanes, 0);
            q4_0(w, off + rowBytes, x, xo, cols, lanes, LANES);
        }
    }

    /** {@code nib − 8} for nib = 0..15: with 16 lanes, {@code (TABLE·d)[nib]} is the dequantized value in one permute. */
    private static final FloatVector TABLE = LANES == 16
            ? FloatVector.fromArray(F, new float[]{-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0) : null;

    /** 16 lanes: the block's nibbles index the 16 dequantized values {@code (n − 8)·d}, computed once per block. */
    private static void q4_0x2Table(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long o1 = off + rowBytes;
        int nb = cols >> 5;
        for (int b = 0; b < nb; b++) {
            long bo = 18L * b;
            int xb = xo + 32 * b;
            IntVector t0 = TABLE.mul(f16(w, off + bo)).reinterpretAsInts();
            IntVector t1 = TABLE.mul(f16(w, o1 + bo)).reinterpretAsInts();
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, off + bo + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, o1 + bo + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            FloatVector u = FloatVector.fromArray(F, x, xb);
            a0 = q0.selectFrom(t0).reinterpretAsFloats().fma(u, a0);
            a1 = q1.selectFrom(t1).reinterpretAsFloats().fma(u, a1);
            u = FloatVector.fromArray(F, x, xb + 16);
            a0 = q0.lanewise(VectorOperators.LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(u, a0);
            a1 = q1.lanewise(VectorOperators.LSHR, 4).selectFrom(t1).reinterpretAsFloats().fma(u, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, LANES);
    }

    /** One Q4_0 row times x; the accumulator, unfolded, to {@code lanes[lo .. lo+LANES)}. */
    static void q4_0(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo) {
        FloatVector a = FloatVector.zero(F);
        int nb = cols >> 5;
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int xb = xo + 32 * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            ByteVector q = ByteVector.fromMemorySegment(B16, w, o + 2, LE);
            for (int h = 0; h < 2; h++) {
                for (int p = 0; p < P; p++) {
                    // elements [p·LANES, (p+1)·LANES) of the low (h = 0) or high nibbles, as (nib − 8)·d
                    IntVector i = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                    IntVector n = h == 1 ? i.lanewise(VectorOperators.LSHR, 4).and(0x0F) : i.and(0x0F);
                    FloatVector wv = ((FloatVector) n.sub(8).convert(VectorOperators.I2F, 0)).mul(d);
                    a = wv.fma(FloatVector.fromArray(F, x, xb + 16 * h + LANES * p), a);
                }
            }
        }
        a.intoArray(lanes, lo);
    }

    /** Q8_0 rows at {@code off} and {@code off + rowBytes} times x, as {@link #q4_0x2}. */
    static void q8_0x2(MemorySegment w, long off, long rowBytes, float[] x, int xo, int cols, float[] lanes) {
        if (P > 1) {
            q8_0(w, off, x, xo, cols, lanes, 0);
            q8_0(w, off + rowBytes, x, xo, cols, lanes, LANES);
            return;
        }
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long o1 = off + rowBytes;
        int nb = cols >> 5;
        for (int b = 0; b < nb; b++) {
            long bo = 34L * b;
            int xb = xo + 32 * b;
            FloatVector d0 = FloatVector.broadcast(F, f16(w, off + bo));
            FloatVector d1 = FloatVector.broadcast(F, f16(w, o1 + bo));
            for (int h = 0; h < 2; h++) {
                long qo = bo + 2 + 16 * h;
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, off + qo, LE);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, o1 + qo, LE);
                for (int p = 0; p < P; p++) {
                    FloatVector u = FloatVector.fromArray(F, x, xb + 16 * h + LANES * p);
                    a0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(d0).fma(u, a0);
                    a1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(d1).fma(u, a1);
                }
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, LANES);
    }

    /** One Q8_0 row times x; the accumulator, unfolded, to {@code lanes[lo .. lo+LANES)}. */
    static void q8_0(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo) {
        FloatVector a = FloatVector.zero(F);
        int nb = cols >> 5;
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            int xb = xo + 32 * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, o + 2 + 16 * h, LE);
                for (int p = 0; p < P; p++) {
                    a = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).fma(FloatVector.fromArray(F, x, xb + 16 * h + LANES * p), a);
                }
            }
        }
        a.intoArray(lanes, lo);
    }
}
