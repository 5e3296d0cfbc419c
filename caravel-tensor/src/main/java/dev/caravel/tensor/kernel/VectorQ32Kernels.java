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
import static jdk.incubator.vector.VectorOperators.ASHR;
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
 *
 * <p>The kernels are written out without helper methods that take or return vectors: past C2's inlining
 * node-count cutoff (18 000 nodes, which the Q5 kernels reach) C2 refuses to inline methods of ours and boxes
 * the vectors they exchange — an allocation per row. Steps spelled out inline:
 * <ul>
 *   <li>nibbles (256-bit): the 16 nibble bytes as 4 ints duplicated into both 128-bit halves, the upper half
 *       shifted right by 4, so lanes 4..7 see the high nibbles;</li>
 *   <li>lanes: {@code p = we·qw[qe..] + wo·qw[qe+16..]} in 16-bit lanes, then per 32-bit lane the sum of its
 *       halves: {@code (p + (p << 16)) >> 16} when it fits 16 bits (nibble types), else
 *       {@code ((p << 16) >> 16) + (p >> 16)} (Q8_0: four products of up to 128·127);</li>
 *   <li>fifth bits (Q5): {@code t} has in bits 0..3 of int lane k the fifth bits of elements 4k..4k+3;
 *       {@code t | t << 14} puts those of 4k, 4k+1 in bits 0, 1 of the low 16-bit half and those of 4k+2, 4k+3
 *       in bits 0, 1 of the high half; shifted to bit 4 of the even / odd value;</li>
 *   <li>hsum_float_8 ({@link VectorShapes#hsum8}): {@code r = acc + swap4(acc)} (narrow: {@code lo + hi}),
 *       {@code t = r + swap2(r)}, result lane 0 + lane 1.</li>
 * </ul>
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
                FloatVector db = FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]);
                ShortVector raw = ShortVector.fromMemorySegment(S, w, o + 2, LE);
                IntVector p = raw.lanewise(LSHL, 8).lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo))
                        .add(raw.lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                lo = ((FloatVector) p.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p.lanewise(ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).fma(db, lo);
                raw = ShortVector.fromMemorySegment(S, w, o + 18, LE);
                p = raw.lanewise(LSHL, 8).lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo + 8))
                        .add(raw.lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo + 24))).reinterpretAsInts();
                hi = ((FloatVector) p.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p.lanewise(ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).fma(db, hi);
            }
            FloatVector r = lo.add(hi);
            FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
            return t.lane(0) + t.lane(1);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            int qo = aOff + 32 * b;
            ShortVector raw = ShortVector.fromMemorySegment(S, w, o + 2, LE);
            IntVector p = raw.lanewise(LSHL, 8).lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo))
                    .add(raw.lanewise(ASHR, 8).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
            acc = ((FloatVector) p.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p.lanewise(ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
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
                FloatVector db = FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]);
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 2, LE);
                IntVector p = x.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                lo = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, lo);
                x = x.lanewise(LSHR, 4);
                p = x.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 24))).reinterpretAsInts();
                hi = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, hi);
            }
            FloatVector r = lo.add(hi);
            FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
            return t.lane(0) + t.lane(1);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            int qo = aOff + 32 * b;
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 2, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            IntVector p = x.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo))
                    .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
            acc = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
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
                ShortVector y = x.lanewise(LSHR, 4);
                // all 32 products in 16-bit lanes: |each| ≤ 8·128, eight per 32-bit lane stay within 16 bits
                IntVector p = x.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 16)))
                        .add(y.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 8)))
                        .add(y.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 24)))
                        .reinterpretAsInts();
                sumi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD);
            } else {
                ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 2, LE)
                        .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
                IntVector p = x.and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                sumi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD);
            }
            acc = Math.fma((float) sumi, f16(w, o) * d[qo >> 5], acc);
        }
        return acc;
    }

    /** Q4_1 × Q8_1: unsigned nibbles, plus the scalar {@code summs = fma(m, s, summs)}. */
    static float q4_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 20L * b;
                int qo = aOff + 32 * b;
                FloatVector db = FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]);
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 4, LE);
                IntVector p = x.and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                lo = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, lo);
                x = x.lanewise(LSHR, 4);
                p = x.and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo + 24))).reinterpretAsInts();
                hi = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, hi);
            }
            FloatVector r = lo.add(hi);
            FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
            return t.lane(0) + t.lane(1) + minsTerm(w, off, 20, a, aOff, nb);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 20L * b;
            int qo = aOff + 32 * b;
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 4, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            IntVector p = x.and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo))
                    .add(x.lanewise(LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
            acc = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + minsTerm(w, off, 20, a, aOff, nb);
    }

    /**
     * The Q4_1/Q5_1 mins term, {@code summs = fma(F16(m), s, summs)} over the blocks ({@code m} at byte 2 of each
     * {@code blockBytes}-byte block): a scalar pass of its own, independent of the lanes.
     */
    private static float minsTerm(MemorySegment w, long off, int blockBytes, Activations a, int aOff, int nb) {
        float[] s = a.s();
        float summs = 0;
        for (int b = 0; b < nb; b++) {
            summs = Math.fma(f16(w, off + (long) blockBytes * b + 2), s[(aOff >> 5) + b], summs);
        }
        return summs;
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
                FloatVector db = FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]);
                IntVector qh = IntVector.broadcast(I, ~w.get(Bytes.LE_INT, o + 2));
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 6, LE);
                IntVector t4 = qh.lanewise(LSHR, QH_SHIFT_LO).and(0xF);
                ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
                IntVector p = x.and((short) 0x0F).sub(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub(h.lanewise(LSHL, 3).and((short) 0x10))
                                .mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                lo = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, lo);
                x = x.lanewise(LSHR, 4);
                t4 = qh.lanewise(LSHR, QH_SHIFT_HI).and(0xF);
                h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
                p = x.and((short) 0x0F).sub(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub(h.lanewise(LSHL, 3).and((short) 0x10))
                                .mul(ShortVector.fromArray(S, qw, qo + 24))).reinterpretAsInts();
                hi = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, hi);
            }
            FloatVector r = lo.add(hi);
            FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
            return t.lane(0) + t.lane(1);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 22L * b;
            int qo = aOff + 32 * b;
            IntVector t4 = IntVector.broadcast(I, ~w.get(Bytes.LE_INT, o + 2)).lanewise(LSHR, QH_SHIFT_LO).and(0xF);
            ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 6, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            IntVector p = x.and((short) 0x0F).sub(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo))
                    .add(x.lanewise(LSHR, 8).and((short) 0x0F).sub(h.lanewise(LSHL, 3).and((short) 0x10))
                            .mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
            acc = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }

    /** Q5_1 × Q8_1: unsigned 5-bit values (fifth bits or'ed in), plus the scalar mins term as in {@link #q4_1}. */
    static float q5_1(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        if (NARROW) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = off + 24L * b;
                int qo = aOff + 32 * b;
                FloatVector db = FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]);
                IntVector qh = IntVector.broadcast(I, w.get(Bytes.LE_INT, o + 4));
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 8, LE);
                IntVector t4 = qh.lanewise(LSHR, QH_SHIFT_LO).and(0xF);
                ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
                IntVector p = x.and((short) 0x0F).or(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).or(h.lanewise(LSHL, 3).and((short) 0x10))
                                .mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
                lo = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, lo);
                x = x.lanewise(LSHR, 4);
                t4 = qh.lanewise(LSHR, QH_SHIFT_HI).and(0xF);
                h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
                p = x.and((short) 0x0F).or(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).or(h.lanewise(LSHL, 3).and((short) 0x10))
                                .mul(ShortVector.fromArray(S, qw, qo + 24))).reinterpretAsInts();
                hi = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(db, hi);
            }
            FloatVector r = lo.add(hi);
            FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
            return t.lane(0) + t.lane(1) + minsTerm(w, off, 24, a, aOff, nb);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 24L * b;
            int qo = aOff + 32 * b;
            IntVector t4 = IntVector.broadcast(I, w.get(Bytes.LE_INT, o + 4)).lanewise(LSHR, QH_SHIFT_LO).and(0xF);
            ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 8, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            IntVector p = x.and((short) 0x0F).or(h.lanewise(LSHL, 4).and((short) 0x10)).mul(ShortVector.fromArray(S, qw, qo))
                    .add(x.lanewise(LSHR, 8).and((short) 0x0F).or(h.lanewise(LSHL, 3).and((short) 0x10))
                            .mul(ShortVector.fromArray(S, qw, qo + 16))).reinterpretAsInts();
            acc = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, f16(w, o) * d[qo >> 5]), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + minsTerm(w, off, 24, a, aOff, nb);
    }
}
