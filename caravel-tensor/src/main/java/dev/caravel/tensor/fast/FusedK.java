package dev.caravel.tensor.fast;

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
 * Fused decode kernels for Q5_0, Q4_K and Q6_K with 16 float lanes (512-bit vectors; {@link FastKernels} offers
 * them only then): each weight is dequantized in registers with exactly the float operations of ggml's
 * {@code dequantize_row_*} (as {@code ScalarDequantizers} spells them: Q5_0 {@code (v − 16)·d}; Q4_K
 * {@code d1·q − m1}, two roundings, no FMA; Q6_K {@code (d·scale)·(v − 32)}) and multiplied into one activation row
 * in chunks of 16 consecutive elements, so lane l sees elements ≡ l (mod 16) in increasing order: exactly
 * {@link FloatLanes}' contract, the same bits as dequantizing the row and running the tiles.
 *
 * <p>One row per call; the accumulator, unfolded, goes to {@code lanes[lo .. lo+16)}. No helper takes or returns
 * a vector (see {@code FusedQ32} and {@code VectorKQuantKernels} on C2 boxing).
 */
final class FusedK {
    private FusedK() {
    }

    /** Lane j: j (Q5_0's fifth bit of element j sits at bit j of qh; of element 16 + j at bit j + 16). */
    private static final IntVector IOTA = LANES != 16 ? null : IntVector.fromArray(I, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

    /** Q5_0: element j of a block = ((nibble | fifth bit << 4) − 16)·d; low nibbles are elements 0..15, high 16..31. */
    static void q5_0(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo) {
        FloatVector a = FloatVector.zero(F);
        int nb = cols >> 5;
        for (int b = 0; b < nb; b++) {
            long o = off + 22L * b;
            int xb = xo + 32 * b;
            FloatVector d = FloatVector.broadcast(F, f16(w, o));
            IntVector qh = IntVector.broadcast(I, w.get(FloatLanes.LE_INT, o + 2)).lanewise(LSHR, IOTA);
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B16, w, o + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector v = q.and(0x0F).or(qh.lanewise(LSHL, 4).and(0x10)).sub(16);
            a = ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(d).fma(FloatVector.fromArray(F, x, xb), a);
            v = q.lanewise(LSHR, 4).or(qh.lanewise(LSHR, 12).and(0x10)).sub(16);
            a = ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(d).fma(FloatVector.fromArray(F, x, xb + 16), a);
        }
        a.intoArray(lanes, lo);
    }

    /**
     * Q4_K: per 64 elements (pair p of sub-blocks, quant bytes 32p..32p+31), elements 0..31 are
     * {@code d1·(low nibble) − m1} and 32..63 {@code d2·(high nibble) − m2}, with d1 = d·scale(2p), m1 = dmin·min(2p)
     * (6-bit scales and mins, get_scale_min_k4).
     */
    static void q4_K(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo) {
        FloatVector a = FloatVector.zero(F);
        int nb = cols >> 8;
        for (int b = 0; b < nb; b++) {
            long o = off + 144L * b;
            float d = f16(w, o);
            float min = f16(w, o + 2);
            for (int p = 0; p < 4; p++) {
                long q = o + 16 + 32L * p;
                int xp = xo + 256 * b + 64 * p;
                int sm1 = scaleMinK4(w, o + 4, 2 * p);
                int sm2 = scaleMinK4(w, o + 4, 2 * p + 1);
                FloatVector d1 = FloatVector.broadcast(F, d * (sm1 & 0xFF));
                FloatVector m1 = FloatVector.broadcast(F, min * (sm1 >>> 8));
                FloatVector d2 = FloatVector.broadcast(F, d * (sm2 & 0xFF));
                FloatVector m2 = FloatVector.broadcast(F, min * (sm2 >>> 8));
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, q, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, q + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                a = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xp), a);
                a = ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xp + 16), a);
                a = ((FloatVector) q0.lanewise(LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xp + 32), a);
                a = ((FloatVector) q1.lanewise(LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xp + 48), a);
            }
        }
        a.intoArray(lanes, lo);
    }

    /** get_scale_min_k4: scale j in bits 0..7, min j in bits 8..15, from the 12 scale bytes at {@code sc}. */
    static int scaleMinK4(MemorySegment w, long sc, int j) {
        if (j < 4) {
            return (w.get(ValueLayout.JAVA_BYTE, sc + j) & 63) | (w.get(ValueLayout.JAVA_BYTE, sc + j + 4) & 63) << 8;
        }
        int hi = w.get(ValueLayout.JAVA_BYTE, sc + j + 4) & 0xFF;
        int dLow = w.get(ValueLayout.JAVA_BYTE, sc + j - 4) & 0xFF;
        int mLow = w.get(ValueLayout.JAVA_BYTE, sc + j) & 0xFF;
        return ((hi & 0x0F) | (dLow >>> 6) << 4) | ((hi >>> 4) | (mLow >>> 6) << 4) << 8;
    }

    /**
     * Q6_K: in half h (128 elements: ql bytes 64h.., qh bytes 32h.., scales 8h..), chunk c of 16 elements
     * (c = 0..7, group g = c / 2, byte offset l0 = 16·(c % 2)) takes the low nibbles of
     * {@code ql[32·(g & 1) + l0 ..]} for g &lt; 2, the high ones for g ≥ 2, qh bits 2g..2g+1 of {@code qh[l0 ..]},
     * and scale c: value {@code (d·scale_c)·((nibble | high << 4) − 32)}.
     */
    static void q6_K(MemorySegment w, long off, float[] x, int xo, int cols, float[] lanes, int lo) {
        FloatVector a = FloatVector.zero(F);
        int nb = cols >> 8;
        for (int b = 0; b < nb; b++) {
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
                    a = ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(dsc).fma(FloatVector.fromArray(F, x, xo + 256 * b + 128 * h + 32 * g + l0), a);
                }
            }
        }
        a.intoArray(lanes, lo);
    }
}
