package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.caravel.tensor.kernel.VectorKQuantKernels.scalesK4;
import static dev.caravel.tensor.kernel.VectorShapes.f16;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Batched (prompt) products, four activation rows per weight row: each weight block is loaded and unpacked once
 * and multiplied with the four rows, instead of once per row. Every output is exactly what the one-row kernel
 * ({@link VectorQ32Kernels}, {@link VectorKQuantKernels}) computes for that row — the same integer lanes, the
 * same float operations in the same order — so the scalar twin is simply the one-row kernel's twin four times
 * ({@link DotKernel#dotBatched4}'s default), and the tests hold these to it bit for bit.
 *
 * <p>Signature of every kernel: weight row at byte {@code off} of {@code w}, {@code n} elements; activation
 * rows at {@code aOff + k·aStride} for k = 0..3; results to {@code out[outOff + k·outStride]}.
 *
 * <p>256-bit unit only (with 128-bit vectors the one-row kernels run four times). Written out in full, with no
 * helper method taking or returning a vector, for the reason given in {@link VectorKQuantKernels}: these bodies
 * are far beyond C2's inlining node cutoff, where only the JDK's own {@code @ForceInline} methods are still
 * inlined. (The code repeats per row on purpose: a loop over rows would need the accumulators in arrays.)
 */
final class VectorBatchKernels {
    private VectorBatchKernels() {
    }

    private static final VectorSpecies<Short> S = VectorShapes.QS;
    private static final VectorSpecies<Integer> I = VectorShapes.QI;
    private static final VectorSpecies<Float> F = VectorShapes.QF;
    private static final ByteOrder LE = VectorShapes.LE;
    private static final boolean NARROW = VectorShapes.NARROW;

    /** The 16 nibble bytes (4 ints) in both 128-bit halves, the upper half shifted by 4 (see VectorQ32Kernels). */
    private static final VectorShuffle<Integer> DUP_HALF = NARROW ? null
            : VectorShuffle.fromValues(IntVector.SPECIES_256, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final IntVector NIBBLE_SHIFT = NARROW ? null
            : IntVector.fromArray(IntVector.SPECIES_256, new int[]{0, 0, 0, 0, 4, 4, 4, 4}, 0);
    /** Q5_0: int lane k takes the fifth bits qh >> 4k. */
    private static final IntVector QH_SHIFT = NARROW ? null
            : IntVector.fromArray(IntVector.SPECIES_256, new int[]{0, 4, 8, 12, 16, 20, 24, 28}, 0);
    /** Lanes 4..7 (Q6_K: the group's second scale). */
    private static final VectorMask<Integer> UPPER = NARROW ? null : VectorMask.fromLong(IntVector.SPECIES_256, 0xF0);

    /** Four rows of {@link VectorQ32Kernels#q8_0}. */
    static void q8_0(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 34L * b;
            float dw = f16(w, o);
            ShortVector raw = ShortVector.fromMemorySegment(S, w, o + 2, LE);
            ShortVector we = raw.lanewise(LSHL, 8).lanewise(ASHR, 8);
            ShortVector wo = raw.lanewise(ASHR, 8);
            int q0 = a0 + 32 * b;
            int q1 = a1 + 32 * b;
            int q2 = a2 + 32 * b;
            int q3 = a3 + 32 * b;
            IntVector p0 = we.mul(ShortVector.fromArray(S, qw, q0)).add(wo.mul(ShortVector.fromArray(S, qw, q0 + 16))).reinterpretAsInts();
            IntVector p1 = we.mul(ShortVector.fromArray(S, qw, q1)).add(wo.mul(ShortVector.fromArray(S, qw, q1 + 16))).reinterpretAsInts();
            IntVector p2 = we.mul(ShortVector.fromArray(S, qw, q2)).add(wo.mul(ShortVector.fromArray(S, qw, q2 + 16))).reinterpretAsInts();
            IntVector p3 = we.mul(ShortVector.fromArray(S, qw, q3)).add(wo.mul(ShortVector.fromArray(S, qw, q3 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p0.lanewise(ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q0 >> 5]), acc0);
            acc1 = ((FloatVector) p1.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p1.lanewise(ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q1 >> 5]), acc1);
            acc2 = ((FloatVector) p2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p2.lanewise(ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q2 >> 5]), acc2);
            acc3 = ((FloatVector) p3.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p3.lanewise(ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q3 >> 5]), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1);
    }

    /** Four rows of {@link VectorQ32Kernels#q4_0}. */
    static void q4_0(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            float dw = f16(w, o);
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 2, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            ShortVector we = x.and((short) 0x0F).sub((short) 8);
            ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8);
            int q0 = a0 + 32 * b;
            int q1 = a1 + 32 * b;
            int q2 = a2 + 32 * b;
            int q3 = a3 + 32 * b;
            IntVector p0 = we.mul(ShortVector.fromArray(S, qw, q0)).add(wo.mul(ShortVector.fromArray(S, qw, q0 + 16))).reinterpretAsInts();
            IntVector p1 = we.mul(ShortVector.fromArray(S, qw, q1)).add(wo.mul(ShortVector.fromArray(S, qw, q1 + 16))).reinterpretAsInts();
            IntVector p2 = we.mul(ShortVector.fromArray(S, qw, q2)).add(wo.mul(ShortVector.fromArray(S, qw, q2 + 16))).reinterpretAsInts();
            IntVector p3 = we.mul(ShortVector.fromArray(S, qw, q3)).add(wo.mul(ShortVector.fromArray(S, qw, q3 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q0 >> 5]), acc0);
            acc1 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q1 >> 5]), acc1);
            acc2 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q2 >> 5]), acc2);
            acc3 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q3 >> 5]), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1);
    }

    /** Four rows of {@link VectorQ32Kernels#q5_0}. */
    static void q5_0(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 22L * b;
            float dw = f16(w, o);
            IntVector t4 = IntVector.broadcast(I, ~w.get(Bytes.LE_INT, o + 2)).lanewise(LSHR, QH_SHIFT).and(0xF);
            ShortVector h = t4.or(t4.lanewise(LSHL, 14)).reinterpretAsShorts();
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 6, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            ShortVector we = x.and((short) 0x0F).sub(h.lanewise(LSHL, 4).and((short) 0x10));
            ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F).sub(h.lanewise(LSHL, 3).and((short) 0x10));
            int q0 = a0 + 32 * b;
            int q1 = a1 + 32 * b;
            int q2 = a2 + 32 * b;
            int q3 = a3 + 32 * b;
            IntVector p0 = we.mul(ShortVector.fromArray(S, qw, q0)).add(wo.mul(ShortVector.fromArray(S, qw, q0 + 16))).reinterpretAsInts();
            IntVector p1 = we.mul(ShortVector.fromArray(S, qw, q1)).add(wo.mul(ShortVector.fromArray(S, qw, q1 + 16))).reinterpretAsInts();
            IntVector p2 = we.mul(ShortVector.fromArray(S, qw, q2)).add(wo.mul(ShortVector.fromArray(S, qw, q2 + 16))).reinterpretAsInts();
            IntVector p3 = we.mul(ShortVector.fromArray(S, qw, q3)).add(wo.mul(ShortVector.fromArray(S, qw, q3 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q0 >> 5]), acc0);
            acc1 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q1 >> 5]), acc1);
            acc2 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q2 >> 5]), acc2);
            acc3 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[q3 >> 5]), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1);
    }

    /** Four rows of {@link VectorQ32Kernels#q4_0x8}. */
    static void q4_0x8(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] d = a.d();
        int nb = n >> 5;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
        for (int b = 0; b < nb; b++) {
            long o = off + 18L * b;
            float dw = f16(w, o);
            ShortVector x = ((IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, o + 2, LE)
                    .reinterpretShape(IntVector.SPECIES_256, 0)).rearrange(DUP_HALF).lanewise(LSHR, NIBBLE_SHIFT).reinterpretAsShorts();
            ShortVector we = x.and((short) 0x0F).sub((short) 8);
            ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F).sub((short) 8);
            int q0 = a0 + 32 * b;
            int q1 = a1 + 32 * b;
            int q2 = a2 + 32 * b;
            int q3 = a3 + 32 * b;
            IntVector p0 = we.mul(ShortVector.fromArray(S, qw, q0)).add(wo.mul(ShortVector.fromArray(S, qw, q0 + 16))).reinterpretAsInts();
            IntVector p1 = we.mul(ShortVector.fromArray(S, qw, q1)).add(wo.mul(ShortVector.fromArray(S, qw, q1 + 16))).reinterpretAsInts();
            IntVector p2 = we.mul(ShortVector.fromArray(S, qw, q2)).add(wo.mul(ShortVector.fromArray(S, qw, q2 + 16))).reinterpretAsInts();
            IntVector p3 = we.mul(ShortVector.fromArray(S, qw, q3)).add(wo.mul(ShortVector.fromArray(S, qw, q3 + 16))).reinterpretAsInts();
            acc0 = Math.fma((float) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD), dw * d[q0 >> 5], acc0);
            acc1 = Math.fma((float) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD), dw * d[q1 >> 5], acc1);
            acc2 = Math.fma((float) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD), dw * d[q2 >> 5], acc2);
            acc3 = Math.fma((float) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).reduceLanes(VectorOperators.ADD), dw * d[q3 >> 5], acc3);
        }
        out[outOff + 0 * outStride] = acc0;
        out[outOff + 1 * outStride] = acc1;
        out[outOff + 2 * outStride] = acc2;
        out[outOff + 3 * outStride] = acc3;
    }

    /** Four rows of {@link VectorKQuantKernels#q4_K}; the mins term per row as there. */
    static void q4_K(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 144L * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            float dw = Float.float16ToFloat((short) h0);
            IntVector sum0 = IntVector.zero(I), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 16 + 32 * (g >> 1), LE).lanewise(LSHR, 4 * (g & 1));
                ShortVector we = x.and((short) 0x0F);
                ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F);
                int s = (int) (sc >>> (8 * g)) & 0xFF;
                int e0 = a0 + 256 * b + 32 * g;
                int e1 = a1 + 256 * b + 32 * g;
                int e2 = a2 + 256 * b + 32 * g;
                int e3 = a3 + 256 * b + 32 * g;
                IntVector p0 = we.mul(ShortVector.fromArray(S, qw, e0)).add(wo.mul(ShortVector.fromArray(S, qw, e0 + 16))).reinterpretAsInts();
                IntVector p1 = we.mul(ShortVector.fromArray(S, qw, e1)).add(wo.mul(ShortVector.fromArray(S, qw, e1 + 16))).reinterpretAsInts();
                IntVector p2 = we.mul(ShortVector.fromArray(S, qw, e2)).add(wo.mul(ShortVector.fromArray(S, qw, e2 + 16))).reinterpretAsInts();
                IntVector p3 = we.mul(ShortVector.fromArray(S, qw, e3)).add(wo.mul(ShortVector.fromArray(S, qw, e3 + 16))).reinterpretAsInts();
                sum0 = p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum0);
                sum1 = p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum1);
                sum2 = p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum2);
                sum3 = p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum3);
            }
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a0 + 256 * b) >> 8] * dw), acc0);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a1 + 256 * b) >> 8] * dw), acc1);
            acc2 = ((FloatVector) sum2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a2 + 256 * b) >> 8] * dw), acc2);
            acc3 = ((FloatVector) sum3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a3 + 256 * b) >> 8] * dw), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q4kMinsTerm(w, off, a, a0, nb);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q4kMinsTerm(w, off, a, a1, nb);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q4kMinsTerm(w, off, a, a2, nb);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q4kMinsTerm(w, off, a, a3, nb);
    }

    /** Four rows of {@link VectorKQuantKernels#q5_K}; the mins term per row as there. */
    static void q5_K(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 176L * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            float dw = Float.float16ToFloat((short) h0);
            IntVector sum0 = IntVector.zero(I), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 48 + 32 * (g >> 1), LE).lanewise(LSHR, 4 * (g & 1));
                ShortVector h = ShortVector.fromMemorySegment(S, w, o + 16, LE).lanewise(LSHR, g);
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x1010));
                ShortVector we = v.and((short) 0xFF);
                ShortVector wo = v.lanewise(LSHR, 8);
                int s = (int) (sc >>> (8 * g)) & 0xFF;
                int e0 = a0 + 256 * b + 32 * g;
                int e1 = a1 + 256 * b + 32 * g;
                int e2 = a2 + 256 * b + 32 * g;
                int e3 = a3 + 256 * b + 32 * g;
                IntVector p0 = we.mul(ShortVector.fromArray(S, qw, e0)).add(wo.mul(ShortVector.fromArray(S, qw, e0 + 16))).reinterpretAsInts();
                IntVector p1 = we.mul(ShortVector.fromArray(S, qw, e1)).add(wo.mul(ShortVector.fromArray(S, qw, e1 + 16))).reinterpretAsInts();
                IntVector p2 = we.mul(ShortVector.fromArray(S, qw, e2)).add(wo.mul(ShortVector.fromArray(S, qw, e2 + 16))).reinterpretAsInts();
                IntVector p3 = we.mul(ShortVector.fromArray(S, qw, e3)).add(wo.mul(ShortVector.fromArray(S, qw, e3 + 16))).reinterpretAsInts();
                sum0 = p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum0);
                sum1 = p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum1);
                sum2 = p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum2);
                sum3 = p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(sum3);
            }
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a0 + 256 * b) >> 8] * dw), acc0);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a1 + 256 * b) >> 8] * dw), acc1);
            acc2 = ((FloatVector) sum2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a2 + 256 * b) >> 8] * dw), acc2);
            acc3 = ((FloatVector) sum3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a3 + 256 * b) >> 8] * dw), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q5kMinsTerm(w, off, a, a0, nb);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q5kMinsTerm(w, off, a, a1, nb);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q5kMinsTerm(w, off, a, a2, nb);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1) + VectorKQuantKernels.q5kMinsTerm(w, off, a, a3, nb);
    }

    /** Four rows of {@link VectorKQuantKernels#q6_K}. */
    static void q6_K(MemorySegment w, long off, Activations a, int aOff, int aStride, int n, float[] out, int outOff, int outStride) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        int a0 = aOff + 0 * aStride;
        int a1 = aOff + 1 * aStride;
        int a2 = aOff + 2 * aStride;
        int a3 = aOff + 3 * aStride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = off + 210L * b;
            float dw = f16(w, o + 208);
            IntVector sum0 = IntVector.zero(I), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int g = 0; g < 8; g++) {
                int j = g >> 2;
                int m = g & 3;
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 64 * j + 32 * (m & 1), LE).lanewise(LSHR, 4 * (m >> 1));
                ShortVector h = ShortVector.fromMemorySegment(S, w, o + 128 + 32 * j, LE).lanewise(LSHR, 2 * m);
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x3030));
                ShortVector we = v.and((short) 0xFF).sub((short) 32);
                ShortVector wo = v.lanewise(LSHR, 8).sub((short) 32);
                int s2 = w.get(Bytes.LE_SHORT, o + 192 + 2 * g);
                IntVector scale = IntVector.broadcast(I, (byte) s2).blend(s2 >> 8, UPPER);
                int e0 = a0 + 256 * b + 32 * g;
                int e1 = a1 + 256 * b + 32 * g;
                int e2 = a2 + 256 * b + 32 * g;
                int e3 = a3 + 256 * b + 32 * g;
                IntVector p0 = we.mul(ShortVector.fromArray(S, qw, e0)).add(wo.mul(ShortVector.fromArray(S, qw, e0 + 16))).reinterpretAsInts();
                IntVector p1 = we.mul(ShortVector.fromArray(S, qw, e1)).add(wo.mul(ShortVector.fromArray(S, qw, e1 + 16))).reinterpretAsInts();
                IntVector p2 = we.mul(ShortVector.fromArray(S, qw, e2)).add(wo.mul(ShortVector.fromArray(S, qw, e2 + 16))).reinterpretAsInts();
                IntVector p3 = we.mul(ShortVector.fromArray(S, qw, e3)).add(wo.mul(ShortVector.fromArray(S, qw, e3 + 16))).reinterpretAsInts();
                sum0 = p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum0);
                sum1 = p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum1);
                sum2 = p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum2);
                sum3 = p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum3);
            }
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a0 + 256 * b) >> 8] * dw), acc0);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a1 + 256 * b) >> 8] * dw), acc1);
            acc2 = ((FloatVector) sum2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a2 + 256 * b) >> 8] * dw), acc2);
            acc3 = ((FloatVector) sum3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[(a3 + 256 * b) >> 8] * dw), acc3);
        }
        FloatVector r;
        FloatVector t;
        r = acc0.add(acc0.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 0 * outStride] = t.lane(0) + t.lane(1);
        r = acc1.add(acc1.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 1 * outStride] = t.lane(0) + t.lane(1);
        r = acc2.add(acc2.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 2 * outStride] = t.lane(0) + t.lane(1);
        r = acc3.add(acc3.rearrange(VectorShapes.SWAP4));
        t = r.add(r.rearrange(VectorShapes.SWAP2));
        out[outOff + 3 * outStride] = t.lane(0) + t.lane(1);
    }
}
