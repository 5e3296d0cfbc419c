package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.caravel.tensor.kernel.VectorKQuantKernels.byteAt;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.fma;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.five;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.load;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.minLanes;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.q4kMinsTerm;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.q5kMinsTerm;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.nib;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.scalesK3;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.scalesK4;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.six;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.three;
import static dev.caravel.tensor.kernel.VectorKQuantKernels.two;
import static dev.caravel.tensor.kernel.VectorShapes.f16;
import static dev.caravel.tensor.kernel.VectorShapes.hsum8;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * The K-quant kernels of {@link VectorKQuantKernels} for the 128-bit unit (NEON, SSE, or
 * {@code -Dcaravel.vector.bits=128}): the same lanes, with each 32-element group done as two 16-element halves.
 * The first half (weight bytes 0..15 of the group's 32, activations {@code qw[e..e+8)} / {@code qw[e+16..e+24)})
 * gives int lanes 0..3 into {@code lo}, the second (bytes 16..31, {@code qw[e+8..]} / {@code qw[e+24..]}) lanes 4..7
 * into {@code hi}; scales per 16 elements fall on exactly these halves. The float accumulator is two 4-lane
 * vectors, reduced by {@link VectorShapes#hsum8(FloatVector, FloatVector)}.
 */
final class VectorKQuant128Kernels {
    private VectorKQuant128Kernels() {
    }

    private static final VectorSpecies<Float> F = VectorKQuantKernels.F;
    private static final VectorSpecies<Integer> I = VectorKQuantKernels.I;

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
                int s = byteAt(sc, g);
                int e = qo + 32 * g;
                lo = lo.add(nib(load(w, q).lanewise(LSHR, shift), qw, e).mul(s));
                hi = hi.add(nib(load(w, q + 16).lanewise(LSHR, shift), qw, e + 8).mul(s));
            }
            float d = dy[qo >> 8] * Float.float16ToFloat((short) h0);
            accLo = fma(lo, d, accLo);
            accHi = fma(hi, d, accHi);
        }
        return hsum8(accLo, accHi) + q4kMinsTerm(w, off, a, aOff, nb);
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
                int s = byteAt(sc, g);
                int e = qo + 32 * g;
                lo = lo.add(five(load(w, q).lanewise(LSHR, shift), load(w, o + 16).lanewise(LSHR, g), qw, e).mul(s));
                hi = hi.add(five(load(w, q + 16).lanewise(LSHR, shift), load(w, o + 32).lanewise(LSHR, g), qw, e + 8).mul(s));
            }
            float d = dy[qo >> 8] * Float.float16ToFloat((short) h0);
            accLo = fma(lo, d, accLo);
            accHi = fma(hi, d, accHi);
        }
        return hsum8(accLo, accHi) + q5kMinsTerm(w, off, a, aOff, nb);
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
                lo = lo.add(six(load(w, ql).lanewise(LSHR, shift), load(w, qh).lanewise(LSHR, 2 * m), qw, e)
                        .mul(w.get(ValueLayout.JAVA_BYTE, o + 192 + 2 * g)));
                hi = hi.add(six(load(w, ql + 16).lanewise(LSHR, shift), load(w, qh + 16).lanewise(LSHR, 2 * m), qw, e + 8)
                        .mul(w.get(ValueLayout.JAVA_BYTE, o + 193 + 2 * g)));
            }
            float d = dy[qo >> 8] * f16(w, o + 208);
            accLo = fma(lo, d, accLo);
            accHi = fma(hi, d, accHi);
        }
        return hsum8(accLo, accHi);
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
            float dmin = -yd * f16(w, o + 82);
            accLo = fma(minLanes(w, o, bsums, qo >> 4), dmin, accLo);
            accHi = fma(minLanes(w, o + 8, bsums, (qo >> 4) + 8), dmin, accHi);
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 16 + 32 * (g >> 2);
                int shift = 2 * (g & 3);
                int e = qo + 32 * g;
                lo = lo.add(two(load(w, q).lanewise(LSHR, shift), qw, e).mul(w.get(ValueLayout.JAVA_BYTE, o + 2 * g) & 0xF));
                hi = hi.add(two(load(w, q + 16).lanewise(LSHR, shift), qw, e + 8).mul(w.get(ValueLayout.JAVA_BYTE, o + 2 * g + 1) & 0xF));
            }
            float d = yd * f16(w, o + 80);
            accLo = fma(lo, d, accLo);
            accHi = fma(hi, d, accHi);
        }
        return hsum8(accLo, accHi);
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
            int t = w.get(Bytes.LE_INT, o + 104);
            long s07 = scalesK3(a01, t, 0);
            long s815 = scalesK3(a01, t, 1);
            IntVector lo = IntVector.zero(I);
            IntVector hi = lo;
            for (int g = 0; g < 8; g++) {
                long q = o + 32 + 32 * (g >> 2);
                int shift = 2 * (g & 3);
                int s2 = (int) ((g < 4 ? s07 : s815) >>> (16 * (g & 3)));
                int e = qo + 32 * g;
                lo = lo.add(three(load(w, q).lanewise(LSHR, shift), load(w, o).lanewise(LSHR, g), qw, e).mul((s2 & 0xFF) - 32));
                hi = hi.add(three(load(w, q + 16).lanewise(LSHR, shift), load(w, o + 16).lanewise(LSHR, g), qw, e + 8).mul(((s2 >> 8) & 0xFF) - 32));
            }
            float d = dy[qo >> 8] * f16(w, o + 108);
            accLo = fma(lo, d, accLo);
            accHi = fma(hi, d, accHi);
        }
        return hsum8(accLo, accHi);
    }
}
