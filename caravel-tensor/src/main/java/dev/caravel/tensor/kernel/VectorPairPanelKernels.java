package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The Q4_0 panel products for eight activation rows at a time (prompt chunks and server batches) and for one
 * (decoding) in 16-bit integer arithmetic; {@link VectorPanelKernels} keeps the float one for four rows.
 *
 * <p><b>Why integers.</b> A float FMA does 16 multiply-adds per 512-bit instruction, and the Vector API has no
 * byte or word dot product (llama.cpp uses {@code vpdpbusd} there). A 16-bit multiply ({@code vpmullw}) and a
 * 16-bit add ({@code vpaddw}) do 32 each and go to different execution ports: a register-blocked probe ran at
 * 73–76 GMAC/s on one Zen 4 core against 39–41 for the float FMA of the same shape.
 *
 * <p><b>Pairs.</b> A 32-bit lane holds one weight row; {@code (v >>> 4q) & 0x000F000F} puts nibble q of the
 * row's int in the lane's low 16 bits and nibble q + 4 in its high 16 bits ({@link Q4Panels}: elements
 * {@code e(i, q)} and {@code e(i, q) + 2} of the block), and the activation pair broadcast to every lane
 * ({@link Activations#pairsX8()}) holds the two matching quants the same way. After the block's 16 pairs each
 * 16-bit half holds 16 products of a nibble (0..15) and a quant (−127..127): |sum| ≤ 30480, no overflow. The two
 * halves, sign-extended and added, give the exact integer block sum Σ n·q, then as in the float kernels
 * {@code total = fma(Σ n·q − 8·Σ q, dw·dq, total)}: every partial sum is exact, so the result is bit-identical
 * with {@link ScalarDotKernels#q4_0x8} and with the one-row kernel decoding uses.
 *
 * <p>qwen2.5-0.5b Q4_0, 2 threads, prompt of 128: 137–155 tok/s with the float kernels (eight and sixteen rows a
 * weight vector) → 204–230. Decoding: 55–60 → 62–68 tok/s on two threads, 34.6 → 44.6 on one (the float one-row
 * kernel did three operations per product and was compute-bound). A sixteen-row twin was slower (176–202): its 16 block sums fill the registers, so the
 * running totals went through memory, and written out it was too large for C1's register allocator (C2 then
 * compiled it late, running boxed meanwhile).
 *
 * <p>The kernels are written out, with no helper methods that take or return vectors (C2 boxes vectors passed
 * to a method it did not inline; see {@link VectorQ32Kernels}).
 */
final class VectorPairPanelKernels {
    private VectorPairPanelKernels() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final VectorSpecies<Short> S = VectorShapes.SP;
    private static final int L = VectorShapes.FL;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int RB = Q4Panels.BLOCK_BYTES;
    /** Nibble q of each 16-bit half once the int is shifted right by 4q. */
    private static final int PAIR_MASK = 0x000F000F;

    /**
     * Eight activation rows (their pairs interleaved from {@code xb} in {@link Activations#pairsX8()}; blocks from
     * {@code ab}, {@code as} blocks apart) with the group at {@code base}; results {@code outStride} apart. The
     * running totals stay in registers (8 block sums and 8 totals).
     */
    static void eight(MemorySegment p, long base, int nb, int[] x8, float[] bias, float[] d, int xb, int ab, int as,
                      float[] out, int outIdx, int outStride) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            FloatVector t2 = FloatVector.zero(F);
            FloatVector t3 = FloatVector.zero(F);
            FloatVector t4 = FloatVector.zero(F);
            FloatVector t5 = FloatVector.zero(F);
            FloatVector t6 = FloatVector.zero(F);
            FloatVector t7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int k = ab + b;
                ShortVector s0 = ShortVector.zero(S);
                ShortVector s1 = ShortVector.zero(S);
                ShortVector s2 = ShortVector.zero(S);
                ShortVector s3 = ShortVector.zero(S);
                ShortVector s4 = ShortVector.zero(S);
                ShortVector s5 = ShortVector.zero(S);
                ShortVector s6 = ShortVector.zero(S);
                ShortVector s7 = ShortVector.zero(S);
                int xo = xb + 128 * b;
                for (int i = 0; i < 4; i++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * i, LE);
                    for (int q = 0; q < 4; q++) {
                        ShortVector w = (q == 0 ? v : v.lanewise(VectorOperators.LSHR, 4 * q)).and(PAIR_MASK).reinterpretAsShorts();
                        int x = xo + 32 * i + 8 * q;
                        s0 = w.mul(IntVector.broadcast(I, x8[x]).reinterpretAsShorts()).add(s0);
                        s1 = w.mul(IntVector.broadcast(I, x8[x + 1]).reinterpretAsShorts()).add(s1);
                        s2 = w.mul(IntVector.broadcast(I, x8[x + 2]).reinterpretAsShorts()).add(s2);
                        s3 = w.mul(IntVector.broadcast(I, x8[x + 3]).reinterpretAsShorts()).add(s3);
                        s4 = w.mul(IntVector.broadcast(I, x8[x + 4]).reinterpretAsShorts()).add(s4);
                        s5 = w.mul(IntVector.broadcast(I, x8[x + 5]).reinterpretAsShorts()).add(s5);
                        s6 = w.mul(IntVector.broadcast(I, x8[x + 6]).reinterpretAsShorts()).add(s6);
                        s7 = w.mul(IntVector.broadcast(I, x8[x + 7]).reinterpretAsShorts()).add(s7);
                    }
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE);
                IntVector i0 = s0.reinterpretAsInts();
                t0 = ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k]).fma(scale.mul(d[k]), t0);
                IntVector i1 = s1.reinterpretAsInts();
                t1 = ((FloatVector) i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i1.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + as]).fma(scale.mul(d[k + as]), t1);
                IntVector i2 = s2.reinterpretAsInts();
                t2 = ((FloatVector) i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i2.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 2 * as]).fma(scale.mul(d[k + 2 * as]), t2);
                IntVector i3 = s3.reinterpretAsInts();
                t3 = ((FloatVector) i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i3.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 3 * as]).fma(scale.mul(d[k + 3 * as]), t3);
                IntVector i4 = s4.reinterpretAsInts();
                t4 = ((FloatVector) i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i4.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 4 * as]).fma(scale.mul(d[k + 4 * as]), t4);
                IntVector i5 = s5.reinterpretAsInts();
                t5 = ((FloatVector) i5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i5.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 5 * as]).fma(scale.mul(d[k + 5 * as]), t5);
                IntVector i6 = s6.reinterpretAsInts();
                t6 = ((FloatVector) i6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i6.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 6 * as]).fma(scale.mul(d[k + 6 * as]), t6);
                IntVector i7 = s7.reinterpretAsInts();
                t7 = ((FloatVector) i7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i7.lanewise(VectorOperators.ASHR, 16))
                        .convert(VectorOperators.I2F, 0)).sub(bias[k + 7 * as]).fma(scale.mul(d[k + 7 * as]), t7);
            }
            t0.intoArray(out, outIdx + h);
            t1.intoArray(out, outIdx + outStride + h);
            t2.intoArray(out, outIdx + 2 * outStride + h);
            t3.intoArray(out, outIdx + 3 * outStride + h);
            t4.intoArray(out, outIdx + 4 * outStride + h);
            t5.intoArray(out, outIdx + 5 * outStride + h);
            t6.intoArray(out, outIdx + 6 * outStride + h);
            t7.intoArray(out, outIdx + 7 * outStride + h);
        }
    }

    /**
     * One activation row (its pairs from {@code xb} in {@link Activations#pairs()}, blocks from {@code ab}) with the 16
     * rows of the group at {@code base}: decoding. Four sums, one per int of the block (at most 4 · 1905 each, so
     * their total fits 16 bits too), then one combine a block. The running total goes through {@code acc} (per
     * thread) rather than in a vector carried around the block loop: C2 now and then compiled that loop-carried vector
     * of the float kernel this one replaced boxed for good; the array form did not cure it (see DecodeAllocationTest).
     */
    static void one(MemorySegment p, long base, int nb, int[] xp, float[] bias, float[] d, int xb, int ab, float[] out, int outIdx,
                    float[] acc) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            java.util.Arrays.fill(acc, 0, L, 0f);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int x = xb + 16 * b;
                IntVector v0 = IntVector.fromMemorySegment(I, p, o + 64, LE);
                IntVector v1 = IntVector.fromMemorySegment(I, p, o + 128, LE);
                IntVector v2 = IntVector.fromMemorySegment(I, p, o + 192, LE);
                IntVector v3 = IntVector.fromMemorySegment(I, p, o + 256, LE);
                ShortVector s0 = ShortVector.zero(S);
                ShortVector s1 = ShortVector.zero(S);
                ShortVector s2 = ShortVector.zero(S);
                ShortVector s3 = ShortVector.zero(S);
                for (int q = 0; q < 4; q++) {
                    s0 = ((q == 0 ? v0 : v0.lanewise(VectorOperators.LSHR, 4 * q)).and(PAIR_MASK).reinterpretAsShorts())
                            .mul(IntVector.broadcast(I, xp[x + q]).reinterpretAsShorts()).add(s0);
                    s1 = ((q == 0 ? v1 : v1.lanewise(VectorOperators.LSHR, 4 * q)).and(PAIR_MASK).reinterpretAsShorts())
                            .mul(IntVector.broadcast(I, xp[x + 4 + q]).reinterpretAsShorts()).add(s1);
                    s2 = ((q == 0 ? v2 : v2.lanewise(VectorOperators.LSHR, 4 * q)).and(PAIR_MASK).reinterpretAsShorts())
                            .mul(IntVector.broadcast(I, xp[x + 8 + q]).reinterpretAsShorts()).add(s2);
                    s3 = ((q == 0 ? v3 : v3.lanewise(VectorOperators.LSHR, 4 * q)).and(PAIR_MASK).reinterpretAsShorts())
                            .mul(IntVector.broadcast(I, xp[x + 12 + q]).reinterpretAsShorts()).add(s3);
                }
                IntVector s = s0.add(s1).add(s2.add(s3)).reinterpretAsInts();
                FloatVector blk = (FloatVector) s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(s.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE).mul(d[ab + b]);
                blk.sub(bias[ab + b]).fma(scale, FloatVector.fromArray(F, acc, 0)).intoArray(acc, 0);
            }
            System.arraycopy(acc, 0, out, outIdx + h, L);
        }
    }
}
