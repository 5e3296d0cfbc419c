package dev.caravel.tensor.fast;

import dev.caravel.tensor.kernel.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The numeric contract of the fast kernels, and the species they use.
 *
 * <p><b>Contract.</b> Every output of a fast matrix product is
 * <pre>  out = lanedot(dequantize(W[r, :]), x[b, :])</pre>
 * where {@code dequantize} is ggml's {@code dequantize_row_*} (bit for bit, see
 * {@code ScalarDequantizers}) and {@code lanedot} sums in {@link #LANES} float lanes: lane {@code l} accumulates
 * {@code acc_l = fma(w[i], x[i], acc_l)} for {@code i ≡ l (mod LANES)} in increasing {@code i}, then the lanes
 * are folded as a tree ({@code a[i] += a[i + h]} for {@code h = LANES/2, …, 1}; the result is {@code a[0]}).
 * The vector kernels do exactly that (some without materialising the dequantized row), so a product does not
 * depend on the batch size, on which rows a thread gets, or on whether a kernel is fused; the scalar twin
 * {@link #dot(float[], int, float[], int, int)} reproduces it. Only the lane count (the vector width) changes
 * the last bits.
 *
 * <p>Unlike llama.cpp, the activations are not rounded to 8-bit blocks first: the fast path is slightly more
 * accurate than llama.cpp's, not bit-identical to it (the {@code llama.cpp} numerics of
 * {@link dev.caravel.tensor.MatMul} are).
 */
public final class FloatLanes {
    private FloatLanes() {
    }

    /** Whether the Vector API kernels run (else the scalar twins, with 16 lanes). */
    public static final boolean VECTOR = VectorWidth.enabled();
    static final int BITS = VECTOR ? VectorWidth.bits() : 512;

    static final VectorSpecies<Float> F = BITS == 512 ? FloatVector.SPECIES_512
            : BITS == 256 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    static final VectorSpecies<Integer> I = BITS == 512 ? IntVector.SPECIES_512
            : BITS == 256 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;
    /** 16 bytes: one load of a block's nibbles, expanded to ints {@link #LANES} at a time. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

    /** Float lanes of the accumulators: 16, 8 or 4. */
    public static final int LANES = BITS / 32;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /** Lane i ← lane (i + h) mod LANES: one step of the folding tree. */
    private static final VectorShuffle<Float> R8 = LANES == 16 ? VectorShuffle.iota(F, 8, 1, true) : null;
    private static final VectorShuffle<Float> R4 = LANES >= 8 ? VectorShuffle.iota(F, 4, 1, true) : null;
    private static final VectorShuffle<Float> R2 = VectorShuffle.iota(F, 2, 1, true);
    private static final VectorShuffle<Float> R1 = VectorShuffle.iota(F, 1, 1, true);

    /**
     * The folding tree of the contract. (Not {@code reduceLanes}: its order is unspecified.) Written as a chain of
     * methods under 35 bytecodes each, which C2 inlines wherever they are called: a vector handed to a method that
     * is not inlined is boxed, and the decode loop must not allocate.
     */
    static float fold(FloatVector v) {
        return LANES == 16 ? fold8(v.add(v.rearrange(R8))) : foldNarrow(v);
    }

    /**
     * {@link #fold} of the accumulator stored at {@code lanes[off .. off+LANES)}. Big kernels store their
     * accumulators and fold them through this: folding inside them would push C2 past its inlining node budget.
     */
    static float foldAt(float[] lanes, int off) {
        return VECTOR ? fold(FloatVector.fromArray(F, lanes, off)) : fold(lanes, off);
    }

    private static float foldNarrow(FloatVector v) {
        return LANES == 8 ? fold8(v) : fold4(v);
    }

    private static float fold8(FloatVector v) {
        return fold4(v.add(v.rearrange(R4)));
    }

    private static float fold4(FloatVector v) {
        FloatVector t = v.add(v.rearrange(R2));
        return t.add(t.rearrange(R1)).lane(0);
    }

    /** The F16 value at byte {@code off}. */
    static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(LE_SHORT, off));
    }

    // ------------------------------------------------------------------ the scalar twin

    /** The contract's {@code lanedot} of {@code w[wo .. wo+n)} and {@code x[xo .. xo+n)}, in plain Java. */
    public static float dot(float[] w, int wo, float[] x, int xo, int n) {
        return dot(w, wo, x, xo, n, LANES);
    }

    /** {@link #dot(float[], int, float[], int, int)} with a given lane count (a power of two ≥ 2). */
    public static float dot(float[] w, int wo, float[] x, int xo, int n, int lanes) {
        return dot(w, wo, x, xo, n, new float[lanes], lanes);
    }

    /** The same, allocation-free: {@code acc[0 .. lanes)} holds the lane accumulators (overwritten). */
    static float dot(float[] w, int wo, float[] x, int xo, int n, float[] acc, int lanes) {
        java.util.Arrays.fill(acc, 0, lanes, 0f);
        for (int i = 0; i < n; i++) {
            int l = i & (lanes - 1);
            acc[l] = Math.fma(w[wo + i], x[xo + i], acc[l]);
        }
        return fold(acc, 0, lanes);
    }

    /** The folding tree over {@code acc[off .. off+LANES)} (overwritten): the scalar form of {@link #fold}. */
    static float fold(float[] acc, int off) {
        return fold(acc, off, LANES);
    }

    private static float fold(float[] acc, int off, int lanes) {
        for (int h = lanes / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) {
                acc[off + i] += acc[off + i + h];
            }
        }
        return acc[off];
    }
}
