package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The species of the Vector API kernels, as static finals (so that the JIT sees constants: a species that is not
 * a constant makes every vector operation fall back to slow Java code), and the small helpers they share.
 *
 * <p>Two families of shapes:
 * <ul>
 *   <li><b>Quant unit</b> ({@link #QS}, {@link #QI}, {@link #QF}): 256 bits, or 128 in {@link #NARROW} mode. The
 *       quantized kernels emulate ggml's 8-lane AVX2 float accumulators; a 256-bit {@code FloatVector} holds them
 *       literally (two 128-bit halves in narrow mode: lanes 0..3 and 4..7). Their integer work is done in the same
 *       unit: 16-bit products of one 32-element group fill one 256-bit {@code ShortVector} and pair up into the 8
 *       int lanes directly. 512-bit integer vectors would hold two groups, but the float chain is one FMA per
 *       block anyway and on current x86 cores 256-bit ops issue on three ports against two for 512-bit, so the
 *       wider unit does not pay for the extra shuffling.</li>
 *   <li><b>Float width</b> ({@link #FW}, {@link #IW}, {@link #SW}): the full chosen width, for the F32/F16/BF16
 *       kernels whose ggml lane structure is 16 (or 64) float lanes: one (four) 512-bit vectors, or the same
 *       lanes split over several narrower vectors.</li>
 * </ul>
 */
final class VectorShapes {
    private VectorShapes() {
    }

    /** The chosen width in bits (128, 256 or 512). Only meaningful when {@link VectorWidth#enabled()}. */
    static final int BITS = VectorWidth.enabled() ? VectorWidth.bits() : 256;

    /** 128-bit mode: the 8 accumulator lanes are two 4-lane vectors. */
    static final boolean NARROW = BITS == 128;

    static final VectorSpecies<Short> QS = NARROW ? ShortVector.SPECIES_128 : ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> QI = NARROW ? IntVector.SPECIES_128 : IntVector.SPECIES_256;
    static final VectorSpecies<Float> QF = NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;

    static final VectorSpecies<Float> FW = BITS == 512 ? FloatVector.SPECIES_512
            : BITS == 256 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    static final VectorSpecies<Integer> IW = BITS == 512 ? IntVector.SPECIES_512
            : BITS == 256 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;
    /** Shorts of the full width (twice {@link #FW}'s lanes): a weight row's pair of 16-bit products per int lane. */
    static final VectorSpecies<Short> SP = BITS == 512 ? ShortVector.SPECIES_512
            : BITS == 256 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    /** As many shorts as {@link #FW} has floats (half its width): F16/BF16 weights for one float vector. */
    static final VectorSpecies<Short> SW = BITS == 512 ? ShortVector.SPECIES_256
            : BITS == 256 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;
    /** Float lanes per {@link #FW} vector: 16, 8 or 4. */
    static final int FL = FW.length();

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // ------------------------------------------------------------------ horizontal sums in ggml's order

    /**
     * {@code hsum_float_8} of 8 lanes held as one 256-bit vector: {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}.
     */
    static float hsum8(FloatVector v) {
        // these helpers stay under 35 bytecodes: they are called once per row (a cold call site), where C2 inlines
        // only tiny methods, and a vector passed to a method that is not inlined is boxed
        return hsum2(v.add(v.rearrange(SWAP4))); // r_i = l_i + l_{i+4}
    }

    /** {@code hsum_float_8} of lanes 0..3 in {@code lo} and 4..7 in {@code hi} (narrow mode). */
    static float hsum8(FloatVector lo, FloatVector hi) {
        return hsum2(lo.add(hi));
    }

    /** {@code (r0 + r2) + (r1 + r3)}. */
    private static float hsum2(FloatVector r) {
        FloatVector t = r.add(r.rearrange(SWAP2));
        return t.lane(0) + t.lane(1);
    }

    /** Lanes 4..7 and 0..3 exchanged (256-bit). */
    static final VectorShuffle<Float> SWAP4 = NARROW ? null
            : VectorShuffle.fromValues(FloatVector.SPECIES_256, 4, 5, 6, 7, 0, 1, 2, 3);
    /** Pairs of lanes exchanged within each half, so that lane 0 meets lane 2 and lane 1 meets lane 3. */
    static final VectorShuffle<Float> SWAP2 = NARROW
            ? VectorShuffle.fromValues(FloatVector.SPECIES_128, 2, 3, 0, 1)
            : VectorShuffle.fromValues(FloatVector.SPECIES_256, 2, 3, 0, 1, 6, 7, 4, 5);

    /** The last steps of both reductions: {@code (r0+r2) + (r1+r3)}. */
    static float hsum4(FloatVector r) {
        return (r.lane(0) + r.lane(2)) + (r.lane(1) + r.lane(3));
    }

    // ------------------------------------------------------------------ integer lane helpers

    /**
     * Sums the two 16-bit halves of every 32-bit lane: {@code lo + hi} as int. Uses
     * {@code (x + (x << 16)) >> 16}, exact when |lo + hi| &lt; 2^15 (true for every caller that uses it: their
     * 16-bit products are small); see {@link #pairSumExact} otherwise.
     */
    static IntVector pairSum(ShortVector p) {
        IntVector x = p.reinterpretAsInts();
        return x.add(x.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /** {@code lo + hi} of every 32-bit lane for any 16-bit halves: {@code ((x << 16) >> 16) + (x >> 16)}. */
    static IntVector pairSumExact(ShortVector p) {
        IntVector x = p.reinterpretAsInts();
        return x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16));
    }

    /** The F16 scale (ggml_half) at {@code off}. */
    static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(Bytes.LE_SHORT, off));
    }
}
