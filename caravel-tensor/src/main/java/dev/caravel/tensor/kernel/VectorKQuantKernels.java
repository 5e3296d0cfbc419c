package dev.caravel.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.caravel.tensor.kernel.VectorShapes.f16;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Vector API twins of the K-quant kernels of {@link ScalarDotKernels} (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K against Q8_K),
 * bit-identical with them; 256-bit unit (the 128-bit variants are {@link VectorKQuant128Kernels}, which share
 * the scalar pieces here).
 *
 * <p>Lane structure (ggml's AVX2 kernels): per 256-element block, 8 int32 lanes, lane p = Σ scale·quant·q8 over
 * the elements e with (e mod 32) / 4 == p (exact); then {@code acc = fma(d, (float) lane, acc)} per block, and a
 * mins term per type. Each 32-element group is one pass: the group's quants are unpacked into 16-bit lanes holding
 * an even element (low byte position) and the next odd one, multiplied with the activations split the same way
 * ({@link Activations#qw()}), and the two halves of each 32-bit lane added, which gives lane p = elements
 * 4p..4p+3 directly (see {@link VectorQ32Kernels}). The group's int lanes are multiplied by its scale(s) and added
 * up over the block, all exact.
 *
 * <p>Every group's unpacking reads whole 32-byte vectors of the block and isolates its bits with shifts and masks
 * on 16-bit lanes (one shift serves the even and the odd byte). Bounds for the cheap {@link VectorShapes#pairSum}:
 * |quant| ≤ 32 and |q8| ≤ 128 keep four products under 2^15.
 *
 * <p>Each kernel is one method with no vector-carrying helpers, see the comment above the kernels: the Vector
 * API's inlining expands every operation into many IR nodes, and past C2's inlining budget a helper of ours is
 * left un-inlined, which boxes the vectors it takes or returns.
 */
final class VectorKQuantKernels {
    private VectorKQuantKernels() {
    }

    static final VectorSpecies<Short> S = VectorShapes.QS;
    static final VectorSpecies<Integer> I = VectorShapes.QI;
    static final VectorSpecies<Float> F = VectorShapes.QF;
    static final ByteOrder LE = VectorShapes.LE;
    /** Lanes 4..7 of the 256-bit unit (scales per 16 elements: lanes 0..3 take one, 4..7 the next). */
    private static final VectorMask<Integer> UPPER = VectorShapes.NARROW ? null
            : VectorMask.fromLong(IntVector.SPECIES_256, 0xF0);

    // ------------------------------------------------------------------ scalar pieces shared with the 128-bit kernels

    /**
     * The 6-bit scales of a Q4_K/Q5_K block (get_scale_min_k4), one per byte: scale j in byte j of the result.
     * From the 12 scale bytes b: j &lt; 4: {@code b[j] & 63}; j ≥ 4: {@code (b[j+4] & 15) | (b[j-4] >> 6) << 4}.
     * {@code h0}, {@code h1}: the block's bytes 0..7 (d, dmin, b[0..3]) and 8..15 (b[4..11]).
     */
    static long scalesK4(long h0, long h1) {
        int a0 = (int) (h0 >>> 32);
        int hi = (int) (h1 >>> 32);
        return (a0 & 0x3F3F3F3FL) | ((long) ((hi & 0x0F0F0F0F) | ((a0 >>> 2) & 0x30303030)) << 32);
    }

    /** The 6-bit mins, one per byte: j &lt; 4: {@code b[j+4] & 63}; j ≥ 4: {@code (b[j+4] >> 4) | (b[j] >> 6) << 4}. */
    static long minsK4(long h0, long h1) {
        int a1 = (int) h1;
        int hi = (int) (h1 >>> 32);
        return (a1 & 0x3F3F3F3FL) | ((long) (((hi >>> 4) & 0x0F0F0F0F) | ((a1 >>> 2) & 0x30303030)) << 32);
    }

    /**
     * The 16 signed 6-bit Q3_K scales + 32, one per byte (ggml's kmask trick on the 12 scale bytes: {@code a01} =
     * bytes 0..7, {@code t} = bytes 8..11): half 0 = scales 0..7, half 1 = scales 8..15. Scale j: low 4 bits from byte j (j &lt; 8) or the high nibble of
     * byte j − 8, high 2 bits from byte 8 + (j mod 4), bits 2·(j / 4).
     */
    static long scalesK3(long a01, int t, int half) {
        int sh = 4 * half;
        int a0 = (int) a01 >>> sh;
        int a1 = (int) (a01 >>> 32) >>> sh;
        t >>>= sh;
        return ((a0 & 0x0F0F0F0F) | ((t & 0x03030303) << 4)) & 0xFFFFFFFFL
                | (long) ((a1 & 0x0F0F0F0F) | (((t >>> 2) & 0x03030303) << 4)) << 32;
    }

    static int byteAt(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xFF;
    }

    /** Sum of the 32 activations of sub-block j (bsums of its two halves). */
    static int q8Sum32(short[] bsums, int bs, int j) {
        return bsums[bs + 2 * j] + bsums[bs + 2 * j + 1];
    }

    /** Q4_K mins lane k of one block: {@code m[2k]·q8s[2k] + m[2k+1]·q8s[2k+1]}. */
    static float q4kMin(long mn, short[] bsums, int q8s, int k) {
        return (float) (byteAt(mn, 2 * k) * q8Sum32(bsums, q8s, 2 * k) + byteAt(mn, 2 * k + 1) * q8Sum32(bsums, q8s, 2 * k + 1));
    }

    /** Q5_K mins term of one block: Σ_j m[j]·q8s[j] (one scalar). */
    static int q5kMins(long mn, short[] bsums, int q8s) {
        int mins = 0;
        for (int j = 0; j < 8; j++) {
            mins += byteAt(mn, j) * q8Sum32(bsums, q8s, j);
        }
        return mins;
    }

    /**
     * The Q4_K mins term of a row, {@code (accM0 + accM2) + (accM1 + accM3)} with
     * {@code accM_k = fma(dmin, (float)(m[2k]·q8s[2k] + m[2k+1]·q8s[2k+1]), accM_k)} over the blocks, dmin =
     * −q8.d·F16(dmin): a scalar pass of its own after the vector loop (it shares nothing with the lanes), which
     * keeps the vector loop small.
     */
    static float q4kMinsTerm(MemorySegment w, long off, Activations a, int aOff, int nb) {
        float[] dy = a.d();
        short[] bsums = a.bsums();
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < nb; b++) {
            long o = off + 144L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long mn = minsK4(h0, w.get(Bytes.LE_LONG, o + 8));
            float dmin = -dy[qo >> 8] * Float.float16ToFloat((short) (h0 >>> 16));
            int q8s = qo >> 4;
            m0 = Math.fma(dmin, q4kMin(mn, bsums, q8s, 0), m0);
            m1 = Math.fma(dmin, q4kMin(mn, bsums, q8s, 1), m1);
            m2 = Math.fma(dmin, q4kMin(mn, bsums, q8s, 2), m2);
            m3 = Math.fma(dmin, q4kMin(mn, bsums, q8s, 3), m3);
        }
        return (m0 + m2) + (m1 + m3);
    }

    /** The Q5_K mins term of a row: {@code summs = fma(dmin, (float) Σ m·q8s, summs)} over the blocks. */
    static float q5kMinsTerm(MemorySegment w, long off, Activations a, int aOff, int nb) {
        float[] dy = a.d();
        short[] bsums = a.bsums();
        float summs = 0;
        for (int b = 0; b < nb; b++) {
            long o = off + 176L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            float dmin = -dy[qo >> 8] * Float.float16ToFloat((short) (h0 >>> 16));
            summs = Math.fma(dmin, (float) q5kMins(minsK4(h0, w.get(Bytes.LE_LONG, o + 8)), bsums, qo >> 4), summs);
        }
        return summs;
    }

    // ------------------------------------------------------------------ kernels
    //
    // Written out in full, without helper methods that take or return vectors: these bodies expand to about
    // 20 000 C2 nodes, beyond NodeCountInliningCutoff (18 000), after which C2 refuses to inline any method of
    // ours (the JDK's @ForceInline Vector API methods are only delayed); a vector handed to or returned from a
    // method that is not inlined is boxed, one allocation per call. Where a kernel lands relative to the
    // cutoff depended on the profiles collected before it was compiled, hence the old intermittent boxing.
    // Scalar helpers (scales, F16) are fine either way. Common steps, repeated inline:
    //   lanes: p = we·qw[qe..] + wo·qw[qe+16..] as 16-bit lanes, then (p + (p << 16)) >> 16 per 32-bit lane
    //          (VectorShapes.pairSum, exact for |lo + hi| < 2^15: |quant| ≤ 32, |q8| ≤ 128);
    //   hsum_float_8: (acc + swap4(acc)) then (r + swap2(r)), lane 0 + lane 1 (VectorShapes.hsum8).

    /**
     * Q4_K × Q8_K. Group g = low (g even) or high nibbles of qs bytes 32·(g/2)..+31, times its 6-bit scale; the
     * mins term is added at the end ({@link #q4kMinsTerm}).
     */
    static float q4_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 144L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o); // d, dmin, scale bytes 0..3
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 16 + 32 * (g >> 1), LE).lanewise(LSHR, 4 * (g & 1));
                ShortVector we = x.and((short) 0x0F);
                ShortVector wo = x.lanewise(LSHR, 8).and((short) 0x0F);
                int qe = qo + 32 * g;
                IntVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))).reinterpretAsInts();
                sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul((int) (sc >>> (8 * g)) & 0xFF).add(sum);
            }
            float d = dy[qo >> 8] * Float.float16ToFloat((short) h0);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + q4kMinsTerm(w, off, a, aOff, nb);
    }

    /**
     * Q5_K × Q8_K: as Q4_K with a fifth bit, bit g (group g) of the qh byte with the same index as the quant byte:
     * {@code qh >> g} has it at bit 0 (even byte) and 8 (odd byte). Mins: {@link #q5kMinsTerm}.
     */
    static float q5_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 176L * b;
            int qo = aOff + 256 * b;
            long h0 = w.get(Bytes.LE_LONG, o);
            long sc = scalesK4(h0, w.get(Bytes.LE_LONG, o + 8));
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 48 + 32 * (g >> 1), LE).lanewise(LSHR, 4 * (g & 1));
                ShortVector h = ShortVector.fromMemorySegment(S, w, o + 16, LE).lanewise(LSHR, g);
                // both bytes at once: nibble in bits 0..3 / 8..11, fifth bit to 4 / 12
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x1010));
                ShortVector we = v.and((short) 0xFF);
                ShortVector wo = v.lanewise(LSHR, 8);
                int qe = qo + 32 * g;
                IntVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))).reinterpretAsInts();
                sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul((int) (sc >>> (8 * g)) & 0xFF).add(sum);
            }
            float d = dy[qo >> 8] * Float.float16ToFloat((short) h0);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1) + q5kMinsTerm(w, off, a, aOff, nb);
    }

    /**
     * Q6_K × Q8_K: signed 8-bit scales per 16 elements (lanes 0..3: the first, 4..7: the second), no mins. Group
     * g: half j = g / 4 (ql bytes 64j.., qh bytes 32j..), m = g % 4: the low nibbles of ql[32(m&1)..] for m &lt; 2,
     * else the high ones, and qh bits 2m, 2m+1; value {@code (nibble | high << 4) − 32}.
     */
    static float q6_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 210L * b;
            int qo = aOff + 256 * b;
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                int j = g >> 2;
                int m = g & 3;
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 64 * j + 32 * (m & 1), LE).lanewise(LSHR, 4 * (m >> 1));
                ShortVector h = ShortVector.fromMemorySegment(S, w, o + 128 + 32 * j, LE).lanewise(LSHR, 2 * m);
                // both bytes at once: nibble in bits 0..3 / 8..11, the two high bits to 4..5 / 12..13
                ShortVector v = x.and((short) 0x0F0F).or(h.lanewise(LSHL, 4).and((short) 0x3030));
                ShortVector we = v.and((short) 0xFF).sub((short) 32);
                ShortVector wo = v.lanewise(LSHR, 8).sub((short) 32);
                int qe = qo + 32 * g;
                IntVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))).reinterpretAsInts();
                int s2 = w.get(Bytes.LE_SHORT, o + 192 + 2 * g); // the group's two signed scales
                IntVector scale = IntVector.broadcast(I, (byte) s2).blend(s2 >> 8, UPPER);
                sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum);
            }
            float d = dy[qo >> 8] * f16(w, o + 208);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }

    /**
     * Q2_K × Q8_K. Per block first the mins, {@code acc_p = fma(dmin, (float)(m[2p]·bsum[2p] + m[2p+1]·bsum[2p+1]),
     * acc_p)} with dmin = −q8.d·F16(dmin) and m the high nibbles of the 16 scale bytes (lane p = the 16-bit pair
     * (2p, 2p+1), as the quant lanes), then {@code acc = fma(d, lanes, acc)}. Group g: half j = g / 4 (32 quant
     * bytes), bits 2k..2k+1 with k = g % 4, scales (low nibbles) of bytes 2g (lanes 0..3) and 2g+1 (lanes 4..7).
     */
    static float q2_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        short[] bsums = a.bsums();
        int nb = n >> 8;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 84L * b;
            int qo = aOff + 256 * b;
            float yd = dy[qo >> 8];
            // mins: up to 2·15·2032 per 32-bit lane, beyond 16 bits, hence the exact pair sum ((x << 16) >> 16) + (x >> 16)
            IntVector mp = ((ShortVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, o, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(LSHR, 4)
                    .mul(ShortVector.fromArray(S, bsums, qo >> 4)).reinterpretAsInts();
            IntVector mins = mp.lanewise(LSHL, 16).lanewise(ASHR, 16).add(mp.lanewise(ASHR, 16));
            acc = ((FloatVector) mins.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, -yd * f16(w, o + 82)), acc);
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 16 + 32 * (g >> 2), LE).lanewise(LSHR, 2 * (g & 3));
                ShortVector we = x.and((short) 3);
                ShortVector wo = x.lanewise(LSHR, 8).and((short) 3);
                int qe = qo + 32 * g;
                IntVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))).reinterpretAsInts();
                int s2 = w.get(Bytes.LE_SHORT, o + 2 * g);
                IntVector scale = IntVector.broadcast(I, s2 & 0xF).blend((s2 >> 8) & 0xF, UPPER);
                sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum);
            }
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, yd * f16(w, o + 80)), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }

    /**
     * Q3_K × Q8_K: 2-bit quants with a high bit from hmask ({@code value = q | hbit << 2, − 4}), signed 6-bit
     * scales per 16 elements, no mins. Group g: half j = g / 4 (32 quant bytes), bits 2k..2k+1 with k = g % 4,
     * hmask bit g, scales 2g (lanes 0..3) and 2g+1 (lanes 4..7).
     */
    static float q3_K(MemorySegment w, long off, Activations a, int aOff, int n) {
        short[] qw = a.qw();
        float[] dy = a.d();
        int nb = n >> 8;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = off + 110L * b;
            int qo = aOff + 256 * b;
            long a01 = w.get(Bytes.LE_LONG, o + 96);
            int t = w.get(Bytes.LE_INT, o + 104);
            long s07 = scalesK3(a01, t, 0);
            long s815 = scalesK3(a01, t, 1);
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 8; g++) {
                ShortVector x = ShortVector.fromMemorySegment(S, w, o + 32 + 32 * (g >> 2), LE).lanewise(LSHR, 2 * (g & 3));
                ShortVector h = ShortVector.fromMemorySegment(S, w, o, LE).lanewise(LSHR, g);
                // both bytes at once: 2-bit value in bits 0..1 / 8..9, the high bit to 2 / 10
                ShortVector v = x.and((short) 0x0303).or(h.lanewise(LSHL, 2).and((short) 0x0404));
                ShortVector we = v.and((short) 0xFF).sub((short) 4);
                ShortVector wo = v.lanewise(LSHR, 8).sub((short) 4);
                int qe = qo + 32 * g;
                IntVector p = we.mul(ShortVector.fromArray(S, qw, qe)).add(wo.mul(ShortVector.fromArray(S, qw, qe + 16))).reinterpretAsInts();
                int s2 = (int) ((g < 4 ? s07 : s815) >>> (16 * (g & 3))); // scales 2g, 2g+1 (+ 32)
                IntVector scale = IntVector.broadcast(I, (s2 & 0xFF) - 32).blend(((s2 >> 8) & 0xFF) - 32, UPPER);
                sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).mul(scale).add(sum);
            }
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dy[qo >> 8] * f16(w, o + 108)), acc);
        }
        FloatVector r = acc.add(acc.rearrange(VectorShapes.SWAP4));
        FloatVector t = r.add(r.rearrange(VectorShapes.SWAP2));
        return t.lane(0) + t.lane(1);
    }
}
