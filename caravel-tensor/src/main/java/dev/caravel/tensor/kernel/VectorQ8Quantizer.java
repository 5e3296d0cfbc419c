package dev.caravel.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

/**
 * The block steps of {@link ActivationQuantizer}'s Q8_0 / Q8_1 quantization in vector lanes, each with the value of
 * its scalar twin there ({@code amax32Scalar}, the x86 flavour's rounding loop). The activations of every product
 * are quantized on the one thread that then hands the product to the workers; as scalar loops (a chain of 32
 * dependent compares for the maximum, {@code Math.rint} per element) they were 8% and then another 8% of a
 * 128-token prompt's wall time on two threads.
 */
public final class VectorQ8Quantizer {
    private VectorQ8Quantizer() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final int L = VectorShapes.FL;
    /** Bytes, as many lanes as {@link #I}: 128 bits at 512, 64 at 256 (none at 128 bits: see {@link #ROUNDS}). */
    private static final VectorSpecies<Byte> B = L >= 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Whether {@link #q8Block} runs in lanes: at 128 bits four ints have no byte species to narrow into. */
    public static final boolean ROUNDS = L >= 8;

    /**
     * The largest |x| of {@code x[o .. o + 32)}: the scalar {@code MAX(amax, |x|)} chain's value for every input without
     * NaN (a maximum does not depend on the order; both start from +0, and |−0| is +0). A NaN gives NaN here, where
     * the scalar chain forgets it at the next element; either way the block's quants are garbage.
     */
    public static float absMax32(float[] x, int o) {
        Objects.checkFromIndexSize(o, 32, x.length);
        FloatVector m = FloatVector.fromArray(F, x, o).abs();
        for (int i = L; i < 32; i += L) {
            // the fresh load as receiver: a loop-carried one has only its declared type when C2 parses the call, and
            // boxes once the JVM-wide profile of FloatVector.max has seen other widths
            m = FloatVector.fromArray(F, x, o + i).abs().max(m);
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code qs[qo + j] = rint(x[xo + j]·id)} for the 32 elements of a block (rounding to nearest, ties to even, as
     * x86's {@code _mm256_round_ps}); returns Σq. The rounding is ggml's {@code nearest_int} (add 1.5·2²³, keep the
     * low mantissa bits), exact for |x·id| ≤ 2²², which holds with id = 127/amax; for finite inputs it is
     * {@code Math.rint}'s value. Requires {@link #ROUNDS}.
     */
    public static int q8Block(float[] x, int xo, float id, byte[] qs, int qo) {
        Objects.checkFromIndexSize(xo, 32, x.length);
        Objects.checkFromIndexSize(qo, 32, qs.length);
        IntVector sum = IntVector.zero(I);
        for (int i = 0; i < 32; i += L) {
            IntVector q = FloatVector.fromArray(F, x, xo + i).mul(id).add(12582912f).reinterpretAsInts().and(0x007FFFFF).sub(0x00400000);
            ((ByteVector) q.castShape(B, 0)).intoArray(qs, qo + i);
            sum = q.add(sum); // the fresh value as receiver, as in absMax32
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
