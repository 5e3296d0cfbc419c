package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * Vector API twins of the F32/F16/BF16 kernels of {@link ScalarDotKernels}, bit-identical with them.
 *
 * <p>ggml's lane structures here are 512-bit ones: {@code ggml_vec_dot_f32/f16} keep 64 lanes (four 16-lane
 * accumulators) over 64-element steps, fold them {@code (a0+a2) + (a1+a3)} and reduce the 16 lanes with
 * {@code _mm512_reduce_add_ps}; tinyBLAS keeps 16 lanes over 16-element steps; the BF16 kernels keep 16
 * {@code vdpbf16ps} lanes over element pairs. Lanes never interact before the final reduction, so each kernel
 * computes them as independent passes over the row, one vector of L = 16, 8 or 4 lanes per pass (lane c+i of the
 * accumulators in pass c), stores them into a per-thread array and reduces them there with the scalar twin's own
 * fold and {@link ScalarDotKernels#hsum16}: the same arithmetic in the same order at every width.
 */
final class VectorFloatKernels {
    private VectorFloatKernels() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> IV = VectorShapes.IW;
    private static final VectorSpecies<Short> SV = VectorShapes.SW;
    /** Float lanes per vector: 16, 8 or 4. */
    private static final int L = VectorShapes.FL;
    private static final ByteOrder LE = VectorShapes.LE;

    // ------------------------------------------------------------------ F32

    /*
     * Every kernel here runs one accumulator slice of L lanes per pass, stores it into a per-thread float[64] and
     * reduces the lanes there with the scalar twin's own fold and hsum16. Nothing vector-typed crosses a method
     * boundary (a helper called once per row is a cold call site that C2 does not inline, and a vector passed
     * through it would be boxed; and once a compilation that inlines these passes outgrows C2's inlining node
     * cutoff, C2 inlines no method of ours any more, so the F16 and BF16 conversions are spelled out in the loops).
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[64]);

    /** The 64 lanes folded {@code (l_j + l_{32+j}) + (l_{16+j} + l_{48+j})} and reduced (scalar, as the twin does). */
    private static float fold64(float[] l) {
        for (int j = 0; j < 16; j++) {
            l[j] = (l[j] + l[32 + j]) + (l[16 + j] + l[48 + j]);
        }
        return ScalarDotKernels.hsum16(l, 0);
    }

    /** Lanes [c, c+L) of an accumulator over elements c, c+step, ... below {@code end}, into l[c..]. */
    private static void f32Pass(MemorySegment w, long off, float[] y, int aOff, int end, int step, int c, float[] l) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = c; i < end; i += step) {
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, y, aOff + i), acc);
        }
        acc.intoArray(l, c);
    }

    /** {@code ggml_vec_dot_f32} (AVX-512): see {@link ScalarDotKernels#f32Values}. */
    static float f32(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = LANES.get();
            if (L == 16) { // the four 16-lane accumulators in one loop
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int i = 0; i < np; i += 64) {
                    a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, y, aOff + i), a0);
                    a1 = FloatVector.fromMemorySegment(F, w, off + 4L * i + 64, LE).fma(FloatVector.fromArray(F, y, aOff + i + 16), a1);
                    a2 = FloatVector.fromMemorySegment(F, w, off + 4L * i + 128, LE).fma(FloatVector.fromArray(F, y, aOff + i + 32), a2);
                    a3 = FloatVector.fromMemorySegment(F, w, off + 4L * i + 192, LE).fma(FloatVector.fromArray(F, y, aOff + i + 48), a3);
                }
                a0.intoArray(l, 0);
                a1.intoArray(l, 16);
                a2.intoArray(l, 32);
                a3.intoArray(l, 48);
            } else {
                for (int c = 0; c < 64; c += L) {
                    f32Pass(w, off, y, aOff, np, 64, c, l);
                }
            }
            sumf = fold64(l);
        }
        for (int i = np; i < n; i++) {
            sumf += Bytes.f32(w, off + 4L * i) * y[aOff + i];
        }
        return sumf;
    }

    /** tinyBLAS F32 (batched): 16 lanes over 16-element steps, {@code _mm512_reduce_add_ps}. */
    static float f32Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        float[] l = LANES.get();
        for (int c = 0; c < 16; c += L) {
            f32Pass(w, off, y, aOff, n, 16, c, l);
        }
        return ScalarDotKernels.hsum16(l, 0);
    }

    // ------------------------------------------------------------------ F32 × F32 arrays (attention etc.)

    private static void valuesPass(float[] x, int xo, float[] y, int yo, int end, int step, int c, float[] l) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = c; i < end; i += step) {
            acc = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, yo + i), acc);
        }
        acc.intoArray(l, c);
    }

    /** Lane i takes lane i + k (mod 16): the steps of {@code _mm512_reduce_add_ps} ({@link ScalarDotKernels#hsum16}). */
    private static final jdk.incubator.vector.VectorShuffle<Float> ROTATE8 = L == 16 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> (i + 8) & 15) : null;
    private static final jdk.incubator.vector.VectorShuffle<Float> ROTATE4 = L == 16 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> (i + 4) & 15) : null;
    private static final jdk.incubator.vector.VectorShuffle<Float> ROTATE2 = L == 16 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> (i + 2) & 15) : null;
    private static final jdk.incubator.vector.VectorShuffle<Float> ROTATE1 = L == 16 ? jdk.incubator.vector.VectorShuffle.fromOp(F, i -> (i + 1) & 15) : null;

    /** Twin of {@link ScalarDotKernels#f32Values}. */
    static float f32Values(float[] x, int xo, float[] y, int yo, int n) {
        if (L == 16 && n == 64) {
            // One attention head of 64 (a score): ggml's four accumulators hold one product each; they are folded
            // and reduced in registers in ggml's order (fold64, then hsum16), with no lane array to store and reload.
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = FloatVector.fromArray(F, x, xo).fma(FloatVector.fromArray(F, y, yo), z);
            FloatVector a1 = FloatVector.fromArray(F, x, xo + 16).fma(FloatVector.fromArray(F, y, yo + 16), z);
            FloatVector a2 = FloatVector.fromArray(F, x, xo + 32).fma(FloatVector.fromArray(F, y, yo + 32), z);
            FloatVector a3 = FloatVector.fromArray(F, x, xo + 48).fma(FloatVector.fromArray(F, y, yo + 48), z);
            FloatVector t = a0.add(a2).add(a1.add(a3));
            t = t.add(t.rearrange(ROTATE8));
            t = t.add(t.rearrange(ROTATE4));
            t = t.add(t.rearrange(ROTATE2));
            t = t.add(t.rearrange(ROTATE1));
            return t.lane(0);
        }
        int np = n & ~63;
        float sumf = 0f;
        if (np > 0) {
            float[] l = LANES.get();
            for (int c = 0; c < 64; c += L) {
                valuesPass(x, xo, y, yo, np, 64, c, l);
            }
            sumf = fold64(l);
        }
        for (int i = np; i < n; i++) {
            sumf += x[xo + i] * y[yo + i];
        }
        return sumf;
    }

    /** Twin of {@link ScalarDotKernels#f32ValuesTiny} ({@code n % 16 == 0}). */
    static float f32ValuesTiny(float[] x, int xo, float[] y, int yo, int n) {
        float[] l = LANES.get();
        for (int c = 0; c < 16; c += L) {
            valuesPass(x, xo, y, yo, n, 16, c, l);
        }
        return ScalarDotKernels.hsum16(l, 0);
    }

    // ------------------------------------------------------------------ F16, BF16: lanes through a scratch array

    /** Lanes [c, c+L) of ggml_vec_dot_f16's 64 accumulators (lane j: elements ≡ j mod 64 below np) into l[c..]. */
    private static void f16Pass(MemorySegment w, long off, float[] y, int aOff, int np, int c, float[] l) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = c; i < np; i += 64) {
            // F16 → float, exactly: magnitude bits to float position times 2^112 (normal and subnormal halves),
            // Inf/NaN given the full exponent, sign or-ed back (spelled out: no vector may cross a method call)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SV, w, off + 2L * i, LE).convertShape(VectorOperators.ZERO_EXTEND_S2I, IV, 0);
            IntVector em = h.and(0x7FFF);
            IntVector bits = em.lanewise(LSHL, 13);
            IntVector fin = bits.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(bits.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
            FloatVector wv = fin.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
            acc = wv.fma(FloatVector.fromArray(F, y, aOff + i), acc);
        }
        acc.intoArray(l, c);
    }

    /** {@code ggml_vec_dot_f16}: the F32 structure on F16 values, summed into a double; leftovers in double. */
    static float f16(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32(); // the F16 activations as floats
        int np = n & ~63;
        double sumf = 0;
        if (np > 0) {
            float[] l = LANES.get();
            for (int c = 0; c < 64; c += L) {
                f16Pass(w, off, y, aOff, np, c, l);
            }
            sumf = fold64(l);
        }
        for (int i = np; i < n; i++) {
            sumf += VectorShapes.f16(w, off + 2L * i) * y[aOff + i];
        }
        return (float) sumf;
    }

    /** Lanes [c, c+L) of a 16-lane tinyBLAS accumulator over F16 weights into l[c..]. */
    private static void f16TinyPass(MemorySegment w, long off, float[] y, int aOff, int n, int c, float[] l) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = c; i < n; i += 16) {
            // F16 → float, exactly: magnitude bits to float position times 2^112 (normal and subnormal halves),
            // Inf/NaN given the full exponent, sign or-ed back (spelled out: no vector may cross a method call)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SV, w, off + 2L * i, LE).convertShape(VectorOperators.ZERO_EXTEND_S2I, IV, 0);
            IntVector em = h.and(0x7FFF);
            IntVector bits = em.lanewise(LSHL, 13);
            IntVector fin = bits.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(bits.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
            FloatVector wv = fin.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
            acc = wv.fma(FloatVector.fromArray(F, y, aOff + i), acc);
        }
        acc.intoArray(l, c);
    }

    /** tinyBLAS F16 (batched): as {@link #f32Tiny} on the converted values. */
    static float f16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        float[] l = LANES.get();
        for (int c = 0; c < 16; c += L) {
            f16TinyPass(w, off, y, aOff, n, c, l);
        }
        return ScalarDotKernels.hsum16(l, 0);
    }

    /**
     * Lanes [c, c+L) of a 16-lane {@code vdpbf16ps} accumulator over the 32-element groups starting at k = start,
     * start + step, ... &lt; end, into {@code l[lo + c ..]}: lane j takes the pair (k + 2j, k + 2j + 1), odd element
     * first, each addition flushed to zero ({@link ScalarDotKernels#dpbf16}). Weights: the pair is one 32-bit word
     * (even element in the low half); activations: {@link Activations#f32()} in its BF16 form (flushed, split by
     * parity).
     */
    private static void bf16Pass(MemorySegment w, long off, float[] y, int aOff, int start, int end, int step, int c, float[] l, int lo) {
        FloatVector acc = FloatVector.zero(F);
        for (int k = start; k < end; k += step) {
            IntVector pair = IntVector.fromMemorySegment(IV, w, off + 2L * (k + 2 * c), LE);
            // denormals to signed zero on the bit patterns (ftzBits, spelled out: no vector may cross a method call)
            IntVector b0 = pair.lanewise(LSHL, 16);
            IntVector b1 = pair.and(0xFFFF0000);
            FloatVector w0 = b0.blend(b0.and(0x80000000), b0.and(0x7F800000).compare(VectorOperators.EQ, 0)).reinterpretAsFloats();
            FloatVector w1 = b1.blend(b1.and(0x80000000), b1.and(0x7F800000).compare(VectorOperators.EQ, 0)).reinterpretAsFloats();
            int g = aOff + k + c;
            IntVector t = acc.add(w1.mul(FloatVector.fromArray(F, y, g + 16))).reinterpretAsInts();
            acc = t.blend(t.and(0x80000000), t.and(0x7F800000).compare(VectorOperators.EQ, 0)).reinterpretAsFloats();
            t = acc.add(w0.mul(FloatVector.fromArray(F, y, g))).reinterpretAsInts();
            acc = t.blend(t.and(0x80000000), t.and(0x7F800000).compare(VectorOperators.EQ, 0)).reinterpretAsFloats();
        }
        acc.intoArray(l, lo + c);
    }

    /**
     * {@code ggml_vec_dot_bf16} with AVX512_BF16: accumulators c1 (first 32 of every 64) and c2 (second 32), each
     * reduced and added to a double, c1 first; leftovers in double (from the raw BF16 activations).
     */
    static float bf16(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        int np = n & ~63;
        double sumf = 0;
        if (np > 0) {
            float[] l = LANES.get();
            for (int p = 0; p < 32; p += L) { // p < 16: c1's lanes, then c2's (one call site: inlined once)
                int c2 = p >> 4;
                bf16Pass(w, off, y, aOff, 32 * c2, np, 64, p & 15, l, 16 * c2);
            }
            sumf += ScalarDotKernels.hsum16(l, 0);
            sumf += ScalarDotKernels.hsum16(l, 16);
        }
        short[] h = a.half();
        for (int i = np; i < n; i++) {
            sumf += dev.caravel.tensor.Half.bf16ToF32(w.get(Bytes.LE_SHORT, off + 2L * i)) * dev.caravel.tensor.Half.bf16ToF32(h[aOff + i]);
        }
        return (float) sumf;
    }

    /** tinyBLAS BF16 with AVX512_BF16 (batched, {@code n % 32 == 0}): one 16-lane accumulator over 32-element steps. */
    static float bf16Tiny(MemorySegment w, long off, Activations a, int aOff, int n) {
        float[] y = a.f32();
        float[] l = LANES.get();
        for (int c = 0; c < 16; c += L) {
            bf16Pass(w, off, y, aOff, 0, n, 32, c, l, 0);
        }
        return ScalarDotKernels.hsum16(l, 0);
    }
}
