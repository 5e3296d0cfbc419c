package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.caravel.tensor.kernel.VectorShapes.f16;
import static dev.caravel.tensor.kernel.VectorShapes.hsum8;
import static dev.caravel.tensor.kernel.VectorShapes.pairSum;
import static dev.caravel.tensor.kernel.VectorShapes.pairSumExact;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Vector API twins of the 32-element block kernels of {@link ScalarDotKernels} (Q8_0, Q4_0, repacked Q4_0,
 * Q4_1, Q5_0, Q5_1), bit-identical with them.
 *
 * <p>Lane structure (ggml's AVX2 {@code ggml_vec_dot_q*_q8_*}): per block, 8 int32 lanes, lane p = the 4 products
 * of elements 4p..4p+3 (exact), converted to float and accumulated {@code acc_p = fma(d, lane_p, acc_p)} in block
 * order; result {@code hsum_float_8(acc)}. Here the 8 lanes are one 256-bit vector (two 4-lane halves in 128-bit
 * mode: elements 0..15 and 16..31).
 *
 * <p>How one block becomes 8 int lanes without a horizontal reduction: the 32 weight values are laid out as 16
 * shorts whose low byte is an even element and high byte the next odd one (for Q8_0 that is the stored bytes as
 * they are; for the nibble types the 16 stored bytes are duplicated into both 128-bit halves and the upper half
 * shifted right by 4, so that the low nibbles give elements 0..15 and the high nibbles 16..31 in that same
 * layout). The even bytes ({@code (x << 8) >> 8} or {@code x & 0xF}) and the odd bytes ({@code x >> 8}) are
 * multiplied as 16-bit values with the activations pre-split the same way ({@link Activations#qw()}), the two
 * products added per 16-bit lane (elements 2j and 2j+1), and the two 16-bit halves of each 32-bit lane added
 * ({@link VectorShapes#pairSum}): 32-bit lane p then holds elements 4p..4p+3, exactly ggml's lane p.
 *
 * <p>Bounds: weight bytes are in [-128, 127], activation quants in [-127, 127] (every quantizer here clamps to
 * ±127), so a 16-bit sum of two products is at most 32512 in magnitude.
 */
final class VectorQ32Kernels {
    private VectorQ32Kernels() {
    }

    private static final VectorSpecies<Short> S = VectorShapes.QS;
    private static final VectorSpecies<Integer> I = VectorShapes.QI;
    private static final VectorSpecies<Float> F = VectorShapes.QF;
    private static final boolean NARROW = VectorShapes.NARROW;
    private static final ByteOrder LE = VectorShapes.LE;

    /** 256-bit: the 16 nibble bytes (4 ints) in both halves... */
    private static final VectorShuffle<Integer> DUP_HALF = NARROW ? null
            : VectorShuffle.fromValues(IntVector.SPECIES_256, 0, 1, 2, 3, 0, 1, 2, 3);
    /** ...and the upper half shifted by 4, so that lanes 4..7 see the high nibbles. */
    private static final IntVector NIBBLE_SHIFT = NARROW ? null
            : IntVector.fromArray(IntVector.SPECIES_256, new int[]{0, 0, 0, 0, 4, 4, 4, 4}, 0);
    /** Q5: int lane k (elements 4k..4k+3) takes the fifth bits qh >> 4k (lanes 4..7 in narrow mode: second half). */
    private static final int[] QH_SHIFTS = {0, 4, 8, 12, 16, 20, 24, 28};
    private static final IntVector QH_SHIFT_LO = IntVector.fromArray(I, QH_SHIFTS, 0);
    private static final IntVector QH_SHIFT_HI = NARROW ? IntVector.fromArray(I, QH_SHIFTS, 4) : null;

    // ------------------------------------------------------------------ lane builders

    /**
     * Int lanes of signed weight bytes {@code raw} (16-bit lanes: even element low, odd element high) times the
     * activations at {@code qw[qe..]} (evens) / {@code qw[qe+16..]} (odds).
     */
    private static IntVector q8Lanes(ShortVector raw, short[] qw, int qe) {
        ShortVector we = raw.lanewise(LSHL, 8).lanewise(VectorOperators.ASHR, 8);
        ShortVector wo = raw.lanewise(VectorOperators.ASHR, 8);
        ShortVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16)));
        return pairSumExact(p); // four products of up to 128·127 may exceed 16 bits
    }

    /** Int lanes of the nibbles in bits 0..3 (even) and 8..11 (odd) of {@code x}, minus {@code bias}. */
    private static IntVector nibbleLanes(ShortVector x, int bias, short[] qw, int qe) {
        ShortVector we = x.and((short) 0x0F);
        ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F);
        if (bias != 0) {
            we = we.sub((short) bias);
            wo = wo.sub((short) bias);
        }
        return pairSum(we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))));
    }

    /**
     * As {@link #nibbleLanes} with a fifth bit: {@code t} has, in bits 0..3 of int lane k, the fifth bits of that
     * lane's elements 4k..4k+3 (higher bits ignored). {@code t | t << 14} puts those of elements 4k, 4k+1 in bits
     * 0, 1 of the low 16-bit half and those of 4k+2, 4k+3 in bits 0, 1 of the high half; moved to bit 4 they are
     * or'ed to the nibbles ({@code subtract}: subtracted — Q5_0 passes the complemented bits, see {@link #q5_0}).
     */
    private static IntVector nibble5Lanes(ShortVector x, IntVector t, boolean subtract, short[] qw, int qe) {
        IntVector t4 = t.and(0xF);
        ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
        ShortVector he = h.lanewise(LSHL, 4).and((short) 0x10);
        ShortVector ho = h.lanewise(LSHL, 3).and((short) 0x10);
        ShortVector we = x.and((short) 0x0F);
        ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F);
        we = subtract ? we.sub(he) : we.or(he);
        wo = subtract ? wo.sub(ho) : wo.or(ho);
        return pairSum(we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))));
    }

    /** 256-bit: the 16 nibble bytes at {@code o}, low nibbles in lanes 0..3, high nibbles (shifted down) in 4..7. */
    private static ShortVector nibbles(MemorySegment w, long o) {
        IntVector raw = IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o, LE);
        return ((IntVector) raw.reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF)
                .lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
    }

    private static FloatVector fma(IntVector lanes, float d, FloatVector acc) {
        return ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
    }

    // ------------------------------------------------------------------ kernels

    /** Q8_0 × Q8_0 (ggml_vec_dot_q8_0_q8_0, tinyBLAS_Q0_AVX). */
    static float q8_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 34L * b;
                int qo = aOff + 32 * b;
                float db = f16(w, o) * d[qo >> 5];
                lo = fma(q8Lanes(ShortVector.fromMemorySegment(S, w, o + 2, LE), qw, qo), db, lo);
                hi = fma(q8Lanes(ShortVector.fromMemorySegment(S, w, o + 18, LE), qw, qo + 8), db, hi);
            }
            return hsum8(lo, hi);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            int qo = aOff + 32 * b;
            acc = fma(q8Lanes(ShortVector.fromMemorySegment(S, w, o + 2, LE), qw, qo), f16(w, o) * d[qo >> 5], acc);
        }
        return hsum8(acc);
    }

    /** Q4_0 × Q8_0 (ggml_vec_dot_q4_0_q8_0, tinyBLAS_Q0_AVX): nibble − 8. */
    static float q4_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 18L * b;
                int qo = aOff + 32 * b;
                float db = f16(w, o) * d[qo >> 5];
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 2, LE);
                lo = fma(nibbleLanes(x, 8, qw, qo), db, lo);
                hi = fma(nibbleLanes(x.lanewise(LSHR, 4), 8, qw, qo + 8), db, hi);
            }
            return hsum8(lo, hi);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int qo = aOff + 32 * b;
            acc = fma(nibbleLanes(nibbles(w, o + 2), 8, qw, qo), f16(w, o) * d[qo >> 5], acc);
        }
        return hsum8(acc);
    }

    /**
     * Q4_0 × Q8_0 as the repacked gemv/gemm: one float lane, {@code acc = fma((float) Σ_block, dw·dq, acc)}; the
     * block's integer sum is the sum of the 8 int lanes (exact, any order).
     */
    static float q4_0x8(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        float acc = 0;
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int qo = aOff + 32 * b;
            int sumi;
            if (NARROW) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 2, LE);
                sumi = nibbleLanes(x, 8, qw, qo).add(nibbleLanes(x.lanewise(LSHR, 4), 8, qw, qo + 8))
                        .reduceLanes(VectorOperators.ADD);
            } else {
                sumi = nibbleLanes(nibbles(w, o + 2), 8, qw, qo).reduceLanes(VectorOperators.ADD);
            }
            acc = Math.fma((float) sumi, f16(w, o) * d[qo >> 5], acc);
        }
        return acc;
    }

    /** Q4_1 × Q8_1: unsigned nibbles, plus the scalar {@code summs = fma(m, s, summs)}. */
    static float q4_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        float[] s = a.s();
        int nb = n >> 5;
        float summs = 0;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 20L * b;
                int qo = aOff + 32 * b;
                summs = Math.fma(f16(w, o + 2), s[qo >> 5], summs);
                float db = f16(w, o) * d[qo >> 5];
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 4, LE);
                lo = fma(nibbleLanes(x, 0, qw, qo), db, lo);
                hi = fma(nibbleLanes(x.lanewise(LSHR, 4), 0, qw, qo + 8), db, hi);
            }
            return hsum8(lo, hi) + summs;
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 20L * b;
            int qo = aOff + 32 * b;
            summs = Math.fma(f16(w, o + 2), s[qo >> 5], summs);
            acc = fma(nibbleLanes(nibbles(w, o + 4), 0, qw, qo), f16(w, o) * d[qo >> 5], acc);
        }
        return hsum8(acc) + summs;
    }

    /**
     * Q5_0 × Q8_0: (nibble | fifth bit << 4) − 16, computed as nibble − 16·(1 − fifth bit): the complemented qh
     * bits are subtracted, which saves the separate bias.
     */
    static float q5_0(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 22L * b;
                int qo = aOff + 32 * b;
                float db = f16(w, o) * d[qo >> 5];
                IntVector qh = IntVector.broadcast(I, ~w.get(Bytes.LE_INT, o + 2));
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 6, LE);
                lo = fma(nibble5Lanes(x, qh.lanewise(LSHR, QH_SHIFT_LO), true, qw, qo), db, lo);
                hi = fma(nibble5Lanes(x.lanewise(LSHR, 4), qh.lanewise(LSHR, QH_SHIFT_HI), true, qw, qo + 8), db, hi);
            }
            return hsum8(lo, hi);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 22L * b;
            int qo = aOff + 32 * b;
            IntVector t = IntVector.broadcast(I, ~w.get(Bytes.LE_INT, o + 2)).lanewise(LSHR, QH_SHIFT_LO);
            acc = fma(nibble5Lanes(nibbles(w, o + 6), t, true, qw, qo), f16(w, o) * d[qo >> 5], acc);
        }
        return hsum8(acc);
    }

    /** Q5_1 × Q8_1: unsigned 5-bit values, plus the scalar mins term as in {@link #q4_1}. */
    static float q5_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        float[] s = a.s();
        int nb = n >> 5;
        float summs = 0;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 24L * b;
                int qo = aOff + 32 * b;
                summs = Math.fma(f16(w, o + 2), s[qo >> 5], summs);
                float db = f16(w, o) * d[qo >> 5];
                IntVector qh = IntVector.broadcast(I, w.get(Bytes.LE_INT, o + 4));
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 8, LE);
                lo = fma(nibble5Lanes(x, qh.lanewise(LSHR, QH_SHIFT_LO), false, qw, qo), db, lo);
                hi = fma(nibble5Lanes(x.lanewise(LSHR, 4), qh.lanewise(LSHR, QH_SHIFT_HI), false, qw, qo + 8), db, hi);
            }
            return hsum8(lo, hi) + summs;
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 24L * b;
            int qo = aOff + 32 * b;
            IntVector t = IntVector.broadcast(I, w.get(Bytes.LE_INT, o + 4)).lanewise(LSHR, QH_SHIFT_LO);
            acc = fma(nibble5Lanes(nibbles(w, o + 8), t, false, qw, qo), f16(w, o) * d[qo >> 5], acc);
        }
        for (int b = 0; b < nb; b++) { // the mins term on its own (independent of the lanes): keeps the loop above small
            summs = Math.fma(f16(w, off + 24L * b + 2), s[(aOff >> 5) + b], summs);
        }
        return hsum8(acc) + summs;
    }
}
