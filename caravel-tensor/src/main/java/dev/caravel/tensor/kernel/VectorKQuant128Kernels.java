package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.caravel.tensor.kernel.VectorKQuantKernels.q4kMinsTerm;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.q5kMinsTerm;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.scalesK3;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.scalesK4;
import static dev.caravel.tensor.kernel.VectorShapes.f16;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * The K-quant kernels of {@link VectorKQuantKernels} for the 128-bit unit (NEON, SSE, or
 * {@code -Dcaravel.vector.bits=128}): the same lanes, with each 32-element group done as two 16-element halves.
 * The first half (weight bytes 0..15 of the group's 32, activations {@code qw[e..e+8)} / {@code qw[e+16..e+24)})
 * gives int lanes 0..3 into {@code lo}, the second (bytes 16..31, {@code qw[e+8..]} / {@code qw[e+24..]}) lanes 4..7
 * into {@code hi}; scales per 16 elements fall on exactly these halves. The float accumulator is two 4-lane
 * vectors, reduced by {@link VectorShapes#hsum8(FloatVector, FloatVector)}.
 *
 * <p>As in {@link VectorKQuantKernels}, the kernels are written out without helper methods that take or return
 * vectors (C2 would refuse to inline them past its node-count cutoff, and box the vectors); the common steps
 * are spelled out in its comments.
 */
final class VectorKQuant128Kernels {
    private VectorKQuant128Kernels() {
    }

    private static final VectorSpecies<Short> S = VectorKQuantKernels.S;
    private static final VectorSpecies<Float> F = VectorKQuantKernels.F;
    private static final VectorSpecies<Integer> I = VectorKQuantKernels.I;
    private static final java.nio.ByteOrder LE = VectorShapes.LE;

    static float q4_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b = 0; b < nb; b++) {
            long o = off + 144L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 16 + 32 * (g >> 1);
                int shift = 4 * (g & 1);
                int s = (int) (sc >>> (8 * g)) & 0xFF;
                int e = qo + 32 * g;
                ShortVector x = ShortVector.fromMemorySegment(S, w, q, LE).lanewise(LSHR, shift);
                IntVector p = x.and((short) 0x0F).mul(ShortVector.fromArray(S, qw, e))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(S, qw, e + 16))).reinterpretAsInts();
                lo = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(lo);
                x = ShortVector.fromMemorySegment(S, w, q + 16, LE).lanewise(LSHR, shift);
                p = x.and((short) 0x0F).mul(ShortVector.fromArray(S, qw, e + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(S, qw, e + 24))).reinterpretAsInts();
                hi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(hi);
            }
            FloatVector d = FloatVector.broadcast(F, dy[qo >> 8] * Float.float16ToFloat((short) h0));
            accLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).fma(d, accLo);
            accHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).fma(d, accHi);
        }
        FloatVector r = accLo.add(accHi);
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + q4kMinsTerm(w, off, a, aOff, nb);
    }

    static float q5_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b = 0; b < nb; b++) {
            long o = off + 176L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 48 + 32 * (g >> 1);
                int shift = 4 * (g & 1);
                int s = (int) (sc >>> (8 * g)) & 0xFF;
                int e = qo + 32 * g;
                ShortVector x = ShortVector.fromMemorySegment(S, w, q, LE).lanewise(LSHR, shift);
                ShortVector h = ShortVector.fromMemorySegment(S, w, o + 16, LE).lanewise(LSHR, g);
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x1010));
                IntVector p = v.and((short) 0xFF).mul(ShortVector.fromArray(S, qw, e))
                        .add(v.lanewise(LSHR, 8).mul(ShortVector.fromArray(S, qw, e + 16))).reinterpretAsInts();
                lo = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(lo);
                x = ShortVector.fromMemorySegment(S, w, q + 16, LE).lanewise(LSHR, shift);
                h = ShortVector.fromMemorySegment(S, w, o + 32, LE).lanewise(LSHR, g);
                v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x1010));
                p = v.and((short) 0xFF).mul(ShortVector.fromArray(S, qw, e + 8))
                        .add(v.lanewise(LSHR, 8).mul(ShortVector.fromArray(S, qw, e + 24))).reinterpretAsInts();
                hi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s).add(hi);
            }
            FloatVector d = FloatVector.broadcast(F, dy[qo >> 8] * Float.float16ToFloat((short) h0));
            accLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).fma(d, accLo);
            accHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).fma(d, accHi);
        }
        FloatVector r = accLo.add(accHi);
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + q5kMinsTerm(w, off, a, aOff, nb);
    }

    static float q6_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b = 0; b < n >> 8; b++) {
            long o = off + 210L * b;
            int qo = aOff + 256 * b;
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                int j = g >> 2;
                int m = g & 3;
                long ql = o + 64 * j + 32 * (m & 1);
                long qh = o + 128 + 32 * j;
                int shift = 4 * (m >> 1);
                int e = qo + 32 * g;
                int s2 = w.get(Bytes.LE_SHORT, o + 192 + 2 * g); // signed scales 2g (lo), 2g+1 (hi)
                ShortVector x = ShortVector.fromMemorySegment(S, w, ql, LE).lanewise(LSHR, shift);
                ShortVector h = ShortVector.fromMemorySegment(S, w, qh, LE).lanewise(LSHR, 2 * m);
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x3030));
                IntVector p = v.and((short) 0xFF).sub((short) 32).mul(ShortVector.fromArray(S, qw, e))
                        .add(v.lanewise(LSHR, 8).sub((short) 32).mul(ShortVector.fromArray(S, qw, e + 16))).reinterpretAsInts();
                lo = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul((byte) s2).add(lo);
                x = ShortVector.fromMemorySegment(S, w, ql + 16, LE).lanewise(LSHR, shift);
                h = ShortVector.fromMemorySegment(S, w, qh + 16, LE).lanewise(LSHR, 2 * m);
                v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x3030));
                p = v.and((short) 0xFF).sub((short) 32).mul(ShortVector.fromArray(S, qw, e + 8))
                        .add(v.lanewise(LSHR, 8).sub((short) 32).mul(ShortVector.fromArray(S, qw, e + 24))).reinterpretAsInts();
                hi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s2 >> 8).add(hi);
            }
            FloatVector d = FloatVector.broadcast(F, dy[qo >> 8] * f16(w, o + 208));
            accLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).fma(d, accLo);
            accHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).fma(d, accHi);
        }
        FloatVector r = accLo.add(accHi);
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }

    static float q2_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b = 0; b < n >> 8; b++) {
            long o = off + 84L * b;
            int qo = aOff + 256 * b;
            float yd = dy[qo >> 8];
            FloatVector dmin = FloatVector.broadcast(F, -yd * f16(w, o + 82));
            // mins lanes 0..3 from scale bytes 0..7, 4..7 from 8..15 (exact pair sums: they exceed 16 bits)
            IntVector mp = ((ShortVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, o, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(LSHR, 4)
                    .mul(ShortVector.fromArray(S, bsums, qo >> 4)).reinterpretAsInts();
            accLo = ((FloatVector) mp.lanewise(LSHL, 16).lanewise(ASHR, 16).add(mp.lanewise(ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(dmin, accLo);
            mp = ((ShortVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, o + 8, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(LSHR, 4)
                    .mul(ShortVector.fromArray(S, bsums, (qo >> 4) + 8)).reinterpretAsInts();
            accHi = ((FloatVector) mp.lanewise(LSHL, 16).lanewise(ASHR, 16).add(mp.lanewise(ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).fma(dmin, accHi);
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 16 + 32 * (g >> 2);
                int shift = 2 * (g & 3);
                int e = qo + 32 * g;
                int s2 = w.get(Bytes.LE_SHORT, o + 2 * g);
                ShortVector x = ShortVector.fromMemorySegment(S, w, q, LE).lanewise(LSHR, shift);
                IntVector p = x.and((short) 3).mul(ShortVector.fromArray(S, qw, e))
                        .add(x.lanewise(LSHR, 8).and((short) 3).mul(ShortVector.fromArray(S, qw, e + 16))).reinterpretAsInts();
                lo = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(s2 & 0xF).add(lo);
                x = ShortVector.fromMemorySegment(S, w, q + 16, LE).lanewise(LSHR, shift);
                p = x.and((short) 3).mul(ShortVector.fromArray(S, qw, e + 8))
                        .add(x.lanewise(LSHR, 8).and((short) 3).mul(ShortVector.fromArray(S, qw, e + 24))).reinterpretAsInts();
                hi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul((s2 >> 8) & 0xF).add(hi);
            }
            FloatVector d = FloatVector.broadcast(F, yd * f16(w, o + 80));
            accLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).fma(d, accLo);
            accHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).fma(d, accHi);
        }
        FloatVector r = accLo.add(accHi);
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }

    static float q3_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b = 0; b < n >> 8; b++) {
            long o = off + 110L * b;
            int qo = aOff + 256 * b;
            long a01 = w.get(Bytes.LE_LONG, o + 96);
            int t4 = w.get(Bytes.LE_INT, o + 104);
            long s07 = scalesK3(a01, t4, 0);
            long s815 = scalesK3(a01, t4, 1);
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 32 + 32 * (g >> 2);
                int shift = 2 * (g & 3);
                int s2 = (int) ((g < 4 ? s07 : s815) >>> (16 * (g & 3))); // scales 2g, 2g+1 (+ 32)
                int e = qo + 32 * g;
                ShortVector x = ShortVector.fromMemorySegment(S, w, q, LE).lanewise(LSHR, shift);
                ShortVector h = ShortVector.fromMemorySegment(S, w, o, LE).lanewise(LSHR, g);
                ShortVector v = x.and((short) 0x0303).or(h.lanewise(LSHL, 2).and((short) 0x0404));
                IntVector p = v.and((short) 0xFF).sub((short) 4).mul(ShortVector.fromArray(S, qw, e))
                        .add(v.lanewise(LSHR, 8).sub((short) 4).mul(ShortVector.fromArray(S, qw, e + 16))).reinterpretAsInts();
                lo = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul((s2 & 0xFF) - 32).add(lo);
                x = ShortVector.fromMemorySegment(S, w, q + 16, LE).lanewise(LSHR, shift);
                h = ShortVector.fromMemorySegment(S, w, o + 16, LE).lanewise(LSHR, g);
                v = x.and((short) 0x0303).or(h.lanewise(LSHL, 2).and((short) 0x0404));
                p = v.and((short) 0xFF).sub((short) 4).mul(ShortVector.fromArray(S, qw, e + 8))
                        .add(v.lanewise(LSHR, 8).sub((short) 4).mul(ShortVector.fromArray(S, qw, e + 24))).reinterpretAsInts();
                hi = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(((s2 >> 8) & 0xFF) - 32).add(hi);
            }
            FloatVector d = FloatVector.broadcast(F, dy[qo >> 8] * f16(w, o + 108));
            accLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).fma(d, accLo);
            accHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).fma(d, accHi);
        }
        FloatVector r = accLo.add(accHi);
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }
}
