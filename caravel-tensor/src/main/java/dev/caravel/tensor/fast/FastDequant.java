package dev.caravel.tensor.fast;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.kernel.Dequantizer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.caravel.tensor.fast.FloatLanes.B16;
import static dev.caravel.tensor.fast.FloatLanes.F;
import static dev.caravel.tensor.fast.FloatLanes.I;
import static dev.caravel.tensor.fast.FloatLanes.LANES;
import static dev.caravel.tensor.fast.FloatLanes.LE;
import static dev.caravel.tensor.fast.FloatLanes.f16;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Vectorised row dequantizers for the prompt path of the fast numerics (rows are dequantized into a buffer, then
 * multiplied in register tiles): 16 float lanes, the same float operations as ggml's {@code dequantize_row_*} (as
 * {@code ScalarDequantizers} spells them, see {@link FusedK}), so the values are bit for bit the scalar ones —
 * tested against them. {@link #forType} returns null where there is none (or the vectors are narrower): then the
 * scalar dequantizer is used.
 */
final class FastDequant {
    private FastDequant() {
    }

    /** The vectorised dequantizer of {@code type} with 16 lanes, or null. */
    static Dequantizer forType(GgmlType type) {
        if (LANES != 16) {
            return null;
        }
        return switch (type) {
            case Q4_0 -> FastDequant::q4_0;
            case Q8_0 -> FastDequant::q8_0;
            case Q5_0 -> FastDequant::q5_0;
            case Q4_K -> FastDequant::q4_K;
            case Q6_K -> FastDequant::q6_K;
            default -> null;
        };
    }

    private static final IntVector IOTA = LANES != 16 ? null : IntVector.fromArray(I, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

    /** Q4_0: {@code (nibble − 8)·d}; low nibbles are elements 0..15, high 16..31. */
    static void q4_0(MemorySegment w, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n >> 5; b++) {
            long o = off + 18L * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B16, w, o + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            ((FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 32 * b);
            ((FloatVector) q.lanewise(LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 32 * b + 16);
        }
    }

    /** Q8_0: {@code q·d}. */
    static void q8_0(MemorySegment w, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n >> 5; b++) {
            long o = off + 34L * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, o + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(y, yo + 32 * b);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, o + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(y, yo + 32 * b + 16);
        }
    }

    /** Q5_0: {@code ((nibble | fifth bit << 4) − 16)·d} (see {@link FusedK#q5_0}). */
    static void q5_0(MemorySegment w, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n >> 5; b++) {
            long o = off + 22L * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            IntVector qh = IntVector.broadcast(I, w.get(FloatLanes.LE_INT, o + 2)).lanewise(LSHR, IOTA);
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B16, w, o + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector v = q.and(0x0F).or(qh.lanewise(LSHL, 4).and(0x10)).sub(16);
            ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 32 * b);
            v = q.lanewise(LSHR, 4).or(qh.lanewise(LSHR, 12).and(0x10)).sub(16);
            ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 32 * b + 16);
        }
    }

    /** Q4_K: {@code d1·(low nibble) − m1} / {@code d2·(high nibble) − m2} per 64 elements (see {@link FusedK#q4_K}). */
    static void q4_K(MemorySegment w, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n >> 8; b++) {
            long o = off + 144L * b;
            float d = f16(w, o);
            float min = f16(w, o + 2);
            for (int p = 0; p < 4; p++) {
                long q = o + 16 + 32L * p;
                int yp = yo + 256 * b + 64 * p;
                int sm1 = FusedK.scaleMinK4(w, o + 4, 2 * p);
                int sm2 = FusedK.scaleMinK4(w, o + 4, 2 * p + 1);
                FloatVector d1 = FloatVector.broadcast(F, d * (sm1 & 0xFF));
                FloatVector m1 = FloatVector.broadcast(F, min * (sm1 >>> 8));
                FloatVector d2 = FloatVector.broadcast(F, d * (sm2 & 0xFF));
                FloatVector m2 = FloatVector.broadcast(F, min * (sm2 >>> 8));
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, q, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, q + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(y, yp);
                ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(y, yp + 16);
                ((FloatVector) q0.lanewise(LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(y, yp + 32);
                ((FloatVector) q1.lanewise(LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(y, yp + 48);
            }
        }
    }

    /** Q6_K: {@code (d·scale_c)·((nibble | high << 4) − 32)} per chunk of 16 (see {@link FusedK#q6_K}). */
    static void q6_K(MemorySegment w, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n >> 8; b++) {
            long o = off + 210L * b;
            float d = f16(w, o + 208);
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 8; c++) {
                    int g = c >> 1;
                    int l0 = 16 * (c & 1);
                    IntVector ql = (IntVector) ByteVector.fromMemorySegment(B16, w, o + 64 * h + 32 * (g & 1) + l0, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(B16, w, o + 128 + 32 * h + l0, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector v = ql.lanewise(LSHR, 4 * (g >> 1)).and(0x0F).or(qh.lanewise(LSHR, 2 * g).and(3).lanewise(LSHL, 4)).sub(32);
                    float dsc = d * w.get(ValueLayout.JAVA_BYTE, o + 192 + 8 * h + c);
                    ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(dsc).intoArray(y, yo + 256 * b + 128 * h + 32 * g + l0);
                }
            }
        }
    }
}
