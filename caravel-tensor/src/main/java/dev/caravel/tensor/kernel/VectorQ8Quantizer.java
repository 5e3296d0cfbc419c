package dev.caravel.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

/**
 * {@link ActivationQuantizer}'s x86-flavour Q8_0 / Q8_1 quantization in vector lanes, with the values of its scalar
 * twin ({@code ActivationQuantizer.q8Scalar}) for every finite input. The activations of every product are quantized
 * on the one thread that then hands the product to the workers; as scalar loops (a chain of 32 dependent compares
 * for each block's maximum, {@code Math.rint} per element) they were 8% and then another 8% of a 128-token prompt's
 * wall time on two threads.
 */
public final class VectorQ8Quantizer {
    private VectorQ8Quantizer() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final int L = VectorShapes.FL;
    /** Bytes, as many lanes as {@link #I}: 128 bits at 512, 64 at 256 (none at 128 bits: see {@link #ROUNDS}). */
    private static final VectorSpecies<Byte> B = L >= 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Whether {@link #q8Row} runs in lanes: at 128 bits four ints have no byte species to narrow into. */
    public static final boolean ROUNDS = L >= 8;

    /**
     * {@link ActivationQuantizer}'s x86-flavour Q8_0 / Q8_1 quantization of {@code x[xOff .. xOff + n)} (n a multiple of
     * 32) into {@code qs[aOff ..]}, {@code d[aOff/32 ..]} and, when {@code s != null}, {@code s[aOff/32 ..]}. Per block:
     * the largest |x| (a maximum does not depend on the order; both start from +0, |−0| is +0; a NaN gives NaN here
     * where the scalar chain forgets it at the next element, garbage quants either way), then
     * {@code q = rint(x·127/amax)} with ggml's {@code nearest_int} (add 1.5·2²³, keep the low mantissa bits: ties to
     * even, exact for |x·id| ≤ 2²², which holds here), stored as bytes, and Σq for Q8_1. The method is then
     * too large for C2 to inline into its callers (over {@code FreqInlineSize}, 325 bytes of bytecode), so its
     * vectors are compiled in a unit of their own: inlined into the large method that prepares a product, the
     * Vector API calls were inlined late and, once other widths had run in the JVM, boxed (15 KB a product in the
     * test suite, now and then).
     */
    public static void q8Row(float[] x, int xOff, int n, byte[] qs, float[] d, float[] s, int aOff) {
        if (n % 32 != 0 || aOff % 32 != 0) {
            throw new IllegalArgumentException("blocks of 32: n = " + n + ", aOff = " + aOff);
        }
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(aOff, n, qs.length);
        Objects.checkFromIndexSize(aOff / 32, n / 32, d.length);
        if (s != null) {
            Objects.checkFromIndexSize(aOff / 32, n / 32, s.length);
        }
        for (int b = 0; b < n / 32; b++) {
            int xo = xOff + 32 * b;
            int qo = aOff + 32 * b;
            FloatVector m = FloatVector.fromArray(F, x, xo).abs();
            for (int i = L; i < 32; i += L) {
                // the fresh load as receiver: a loop-carried one has only its declared type when C2 parses the call,
                // and boxes once the JVM-wide profile of FloatVector.max has seen other widths
                m = FloatVector.fromArray(F, x, xo + i).abs().max(m);
            }
            float amax = m.reduceLanes(VectorOperators.MAX);
            float dd = amax / 127;
            float id = amax != 0f ? 127f / amax : 0.0f;
            IntVector sum = IntVector.zero(I);
            for (int i = 0; i < 32; i += L) {
                IntVector q = FloatVector.fromArray(F, x, xo + i).mul(id).add(12582912f).reinterpretAsInts().and(0x007FFFFF).sub(0x00400000);
                ((ByteVector) q.castShape(B, 0)).intoArray(qs, qo + i);
                sum = q.add(sum); // the fresh value as receiver, as above
            }
            d[qo / 32] = dev.caravel.tensor.Half.roundToF16(dd);
            if (s != null) {
                s[qo / 32] = dev.caravel.tensor.Half.roundToF16(sum.reduceLanes(VectorOperators.ADD) * dd);
            }
        }
    }
}
