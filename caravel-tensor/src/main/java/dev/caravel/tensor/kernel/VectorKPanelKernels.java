package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * The Q4_K, Q5_K and Q6_K panel products ({@link KPanels}): one float lane per weight row. At 512 bits a vector
 * covers a group's 16 rows; narrower widths take the group in 2 or 4 slices of lanes (same layout, same results).
 *
 * <p>Per group slice: a first pass decodes the superblocks' scales (and the mins, d and dmin) into a per-thread
 * scratch array, once for all activation rows; a second one, per activation row, multiplies in the activation's
 * scale (d · q8.d per superblock) and forms the mins term. Then ggml's 8 lanes are 8 passes over the superblocks,
 * each accumulating {@code acc_p = fma(d, lane_p, acc_p)} in one vector (lane_p formed exactly from float
 * products, with the scales read from the scratch as FMA operands); the 8 accumulators go to the scratch and are
 * summed at the end of the kernel in {@code hsum_float_8}'s order. Activation rows go four at a time for Q4_K
 * ({@code four}: each weight vector is unpacked once for four rows) and two at a time for Q5_K and Q6_K, whose
 * unpacking is longer (a four-row kernel there is some 120 Vector API calls, past the size at which C2 inlines the
 * Vector API late and may box vectors; see {@link VectorQ8PanelKernels}); the rest one by one ({@code one}).
 *
 * <p>No helper takes or returns a vector, and every method stays small (see {@link VectorKQuantKernels}: past
 * C2's inlining budget the Vector API is not inlined and vectors get boxed). Chains of dependent FMAs are split
 * into independent partial sums where the sums are exact integers.
 */
final class VectorKPanelKernels {
    private VectorKPanelKernels() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final int L = VectorShapes.FL;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int Q4S = KPanels.Q4K_SCALES;
    private static final int Q4Q = KPanels.Q4K_QUANTS;
    private static final int Q5S = KPanels.Q5K_SCALES;
    private static final int Q5Q = KPanels.Q5K_QUANTS;
    private static final int Q6S = KPanels.Q6K_SCALES;
    private static final int Q6Q = KPanels.Q6K_QUANTS;

    /** Per-thread scratch: decoded scales, per-row factors, the 8 lane accumulators of up to 4 rows. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] scratch(int nb) {
        float[][] holder = SCRATCH.get();
        int need = L * (30 * nb + 36);
        if (holder[0].length < need) {
            holder[0] = new float[need];
        }
        return holder[0];
    }

    private static void check(MemorySegment panels, long groupBytes, int cols, float[] af, int n, float[] out, int outOffset,
                              int rows, int groupStart, int groupEnd) {
        Objects.checkFromToIndex(groupStart, groupEnd, rows / Panels.ROWS);
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Objects.checkFromIndexSize(0, n * cols, af.length);
        Objects.checkFromIndexSize(0, groupEnd * groupBytes, panels.byteSize());
    }

    // ------------------------------------------------------------------ Q4_K

    static void multiplyQ4K(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                            int groupStart, int groupEnd) {
        int nb = cols / 256;
        long groupBytes = (long) nb * KPanels.Q4K_BLOCK;
        float[] af = a.kpanel4();
        check(panels, groupBytes, cols, af, n, out, outOffset, rows, groupStart, groupEnd);
        float[] s = scratch(nb);
        int mn = 16 * L * nb;
        int dw = mn + 8 * L * nb;
        int dm = dw + L * nb;
        int dd = dm + L * nb;
        int acc = dd + 4 * L * nb;
        int ms = acc + 32 * L;
        for (int g = groupStart; g < groupEnd; g++) {
            for (int h = 0; h < Panels.ROWS; h += L) {
                long base = g * groupBytes + 4L * h;
                long q0 = base + (long) Q4S * nb;
                q4kScales(panels, base, nb, s, mn, dw, dm);
                int outIdx = outOffset + g * Panels.ROWS + h;
                int t = 0;
                for (; t + 4 <= n; t += 4) {
                    q4kRows(s, a.d(), a.kpanel4Mins(), t, 4, nb, mn, dw, dm, dd, ms);
                    q4kFour(panels, q0, nb, af, t * cols, cols, s, dd, acc, ms, out, outIdx + t * rows, rows);
                }
                for (; t < n; t++) {
                    q4kRows(s, a.d(), a.kpanel4Mins(), t, 1, nb, mn, dw, dm, dd, ms);
                    q4kOne(panels, q0, nb, af, t * cols, s, dd, acc, ms, out, outIdx + t * rows);
                }
            }
        }
    }

    /**
     * Decodes the scales (at scratch 0, 8 vectors per superblock), mins ({@code mn}), d ({@code dw}) and dmin
     * ({@code dm}) of the group slice whose scales start at {@code s0}; each scale or min still carries the factor
     * of its byte position, {@code 2^(8(s mod 4))}.
     */
    private static void q4kScales(MemorySegment p, long s0, int nb, float[] s, int mn, int dw, int dm) {
        for (int b = 0; b < nb; b++) {
            long o = s0 + (long) Q4S * b;
            IntVector va = IntVector.fromMemorySegment(I, p, o, LE);
            IntVector vb = IntVector.fromMemorySegment(I, p, o + 64, LE);
            IntVector vc = IntVector.fromMemorySegment(I, p, o + 128, LE);
            IntVector vd = IntVector.fromMemorySegment(I, p, o + 192, LE);
            // scales 4..7: low 4 bits from C, high 2 from A's top bits; mins 4..7: C's high nibbles, B's top bits
            IntVector s47 = vc.and(0x0F0F0F0F).or(va.lanewise(LSHR, 2).and(0x30303030));
            IntVector m47 = vc.lanewise(LSHR, 4).and(0x0F0F0F0F).or(vb.lanewise(LSHR, 2).and(0x30303030));
            int so = 8 * L * b;
            int mo = mn + 8 * L * b;
            for (int k = 0; k < 4; k++) {
                int m = 0x3F << (8 * k);
                ((FloatVector) va.and(m).convert(I2F, 0)).intoArray(s, so + k * L);
                ((FloatVector) s47.and(m).convert(I2F, 0)).intoArray(s, so + (4 + k) * L);
                ((FloatVector) vb.and(m).convert(I2F, 0)).intoArray(s, mo + k * L);
                ((FloatVector) m47.and(m).convert(I2F, 0)).intoArray(s, mo + (4 + k) * L);
            }
            // F16 to float: sign to bit 31, exponent and mantissa 13 bits up (the sign's copies cleared), times 2^112
            vd.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f).intoArray(s, dw + L * b);
            vd.lanewise(ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).intoArray(s, dm + L * b);
        }
    }

    /**
     * For activation rows t0 .. t0+cnt-1 (k = 0..cnt-1): {@code dd[k][b] = d · q8.d} and the mins term
     * {@code (accM0 + accM2) + (accM1 + accM3)} at {@code ms + L·k}.
     */
    private static void q4kRows(float[] s, float[] dy, float[] q8s, int t0, int cnt, int nb, int mn, int dw, int dm, int dd, int ms) {
        for (int k = 0; k < cnt; k++) {
            int t = t0 + k;
            FloatVector m0 = FloatVector.zero(F);
            FloatVector m1 = FloatVector.zero(F);
            FloatVector m2 = FloatVector.zero(F);
            FloatVector m3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                float yd = dy[t * nb + b];
                FloatVector.fromArray(F, s, dw + L * b).mul(yd).intoArray(s, dd + L * (k * nb + b));
                FloatVector dmin = FloatVector.fromArray(F, s, dm + L * b).mul(-yd);
                int qo = 8 * (t * nb + b);
                int mo = mn + 8 * L * b;
                // m[2i]·q8s[2i] + m[2i+1]·q8s[2i+1]: exact integers (the byte factors cancel)
                m0 = FloatVector.fromArray(F, s, mo + L).fma(FloatVector.broadcast(F, q8s[qo + 1]), FloatVector.fromArray(F, s, mo).mul(q8s[qo])).fma(dmin, m0);
                m1 = FloatVector.fromArray(F, s, mo + 3 * L).fma(FloatVector.broadcast(F, q8s[qo + 3]), FloatVector.fromArray(F, s, mo + 2 * L).mul(q8s[qo + 2])).fma(dmin, m1);
                m2 = FloatVector.fromArray(F, s, mo + 5 * L).fma(FloatVector.broadcast(F, q8s[qo + 5]), FloatVector.fromArray(F, s, mo + 4 * L).mul(q8s[qo + 4])).fma(dmin, m2);
                m3 = FloatVector.fromArray(F, s, mo + 7 * L).fma(FloatVector.broadcast(F, q8s[qo + 7]), FloatVector.fromArray(F, s, mo + 6 * L).mul(q8s[qo + 6])).fma(dmin, m3);
            }
            m0.add(m2).add(m1.add(m3)).intoArray(s, ms + L * k);
        }
    }

    /** One activation row (from {@code ab}): the 8 lane accumulators to {@code acc + L·p}, the result to {@code out[outIdx..]}. */
    private static void q4kOne(MemorySegment p, long q0, int nb, float[] af, int ab, float[] s, int dd, int acc, int ms,
                               float[] out, int outIdx) {
        for (int lp = 0; lp < 8; lp++) {
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q4Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int so = 8 * L * b;
                // two partial lane sums (low and high nibbles' sub-blocks), four products each per int: all exact
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * j, LE);
                    FloatVector xl = FloatVector.zero(F);
                    FloatVector xh = FloatVector.zero(F);
                    for (int t = 0; t < 4; t++) {
                        xl = ((FloatVector) v.and(0xF << (8 * t)).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 8 * j + t]), xl);
                        xh = ((FloatVector) (t == 3 ? v.lanewise(LSHR, 28) : v.and(0xF0 << (8 * t))).convert(I2F, 0))
                                .fma(FloatVector.broadcast(F, af[ao + 8 * j + 4 + t]), xh);
                    }
                    l0 = xl.fma(FloatVector.fromArray(F, s, so + 2 * j * L), l0);
                    l1 = xh.fma(FloatVector.fromArray(F, s, so + (2 * j + 1) * L), l1);
                }
                total = l0.add(l1).fma(FloatVector.fromArray(F, s, dd + L * b), total);
            }
            total.intoArray(s, acc + L * lp);
        }
        rowSums(s, acc, 1, ms, out, outIdx, 0);
    }

    /**
     * Four activation rows ({@code as} apart from {@code ab}): lane accumulators to {@code acc + L·(8k + p)}, results
     * {@code outStride} apart from {@code out[outIdx]}.
     */
    private static void q4kFour(MemorySegment p, long q0, int nb, float[] af, int ab, int as, float[] s, int dd, int acc, int ms,
                                float[] out, int outIdx, int outStride) {
        int s1 = as;
        int s2 = 2 * as;
        int s3 = 3 * as;
        int dstride = L * nb;
        for (int lp = 0; lp < 8; lp++) {
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            FloatVector t2 = FloatVector.zero(F);
            FloatVector t3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q4Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int so = 8 * L * b;
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = FloatVector.zero(F);
                FloatVector l2 = FloatVector.zero(F);
                FloatVector l3 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * j, LE);
                    FloatVector x0 = FloatVector.zero(F);
                    FloatVector x1 = FloatVector.zero(F);
                    FloatVector x2 = FloatVector.zero(F);
                    FloatVector x3 = FloatVector.zero(F);
                    FloatVector y0 = FloatVector.zero(F);
                    FloatVector y1 = FloatVector.zero(F);
                    FloatVector y2 = FloatVector.zero(F);
                    FloatVector y3 = FloatVector.zero(F);
                    for (int t = 0; t < 4; t++) {
                        int i = ao + 8 * j + t;
                        FloatVector w = (FloatVector) v.and(0xF << (8 * t)).convert(I2F, 0);
                        x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                        x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                        x2 = w.fma(FloatVector.broadcast(F, af[i + s2]), x2);
                        x3 = w.fma(FloatVector.broadcast(F, af[i + s3]), x3);
                        FloatVector u = (FloatVector) (t == 3 ? v.lanewise(LSHR, 28) : v.and(0xF0 << (8 * t))).convert(I2F, 0);
                        y0 = u.fma(FloatVector.broadcast(F, af[i + 4]), y0);
                        y1 = u.fma(FloatVector.broadcast(F, af[i + 4 + s1]), y1);
                        y2 = u.fma(FloatVector.broadcast(F, af[i + 4 + s2]), y2);
                        y3 = u.fma(FloatVector.broadcast(F, af[i + 4 + s3]), y3);
                    }
                    FloatVector sl = FloatVector.fromArray(F, s, so + 2 * j * L);
                    FloatVector sh = FloatVector.fromArray(F, s, so + (2 * j + 1) * L);
                    l0 = y0.fma(sh, x0.fma(sl, l0));
                    l1 = y1.fma(sh, x1.fma(sl, l1));
                    l2 = y2.fma(sh, x2.fma(sl, l2));
                    l3 = y3.fma(sh, x3.fma(sl, l3));
                }
                int d = dd + L * b;
                t0 = l0.fma(FloatVector.fromArray(F, s, d), t0);
                t1 = l1.fma(FloatVector.fromArray(F, s, d + dstride), t1);
                t2 = l2.fma(FloatVector.fromArray(F, s, d + 2 * dstride), t2);
                t3 = l3.fma(FloatVector.fromArray(F, s, d + 3 * dstride), t3);
            }
            t0.intoArray(s, acc + L * lp);
            t1.intoArray(s, acc + L * (8 + lp));
            t2.intoArray(s, acc + L * (16 + lp));
            t3.intoArray(s, acc + L * (24 + lp));
        }
        rowSums(s, acc, 4, ms, out, outIdx, outStride);
    }

    // ------------------------------------------------------------------ Q5_K

    static void multiplyQ5K(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                            int groupStart, int groupEnd) {
        int nb = cols / 256;
        long groupBytes = (long) nb * KPanels.Q5K_BLOCK;
        float[] af = a.kpanel5();
        check(panels, groupBytes, cols, af, n, out, outOffset, rows, groupStart, groupEnd);
        float[] s = scratch(nb);
        int mn = 16 * L * nb;
        int dw = mn + 8 * L * nb;
        int dm = dw + L * nb;
        int dd = dm + L * nb;
        int acc = dd + 4 * L * nb;
        int ms = acc + 32 * L;
        for (int g = groupStart; g < groupEnd; g++) {
            for (int h = 0; h < Panels.ROWS; h += L) {
                long base = g * groupBytes + 4L * h;
                long q0 = base + (long) Q5S * nb;
                q4kScales(panels, base, nb, s, mn, dw, dm); // the same scales section as Q4_K
                int outIdx = outOffset + g * Panels.ROWS + h;
                int t = 0;
                for (; t + 2 <= n; t += 2) {
                    q5kRows(s, a.d(), a.kpanel4Mins(), t, 2, nb, mn, dw, dm, dd, ms);
                    q5kTwo(panels, q0, nb, af, t * cols, cols, s, dd, acc, ms, out, outIdx + t * rows, rows);
                }
                for (; t < n; t++) {
                    q5kRows(s, a.d(), a.kpanel4Mins(), t, 1, nb, mn, dw, dm, dd, ms);
                    q5kOne(panels, q0, nb, af, t * cols, s, dd, acc, ms, out, outIdx + t * rows);
                }
            }
        }
    }

    /**
     * For activation rows t0 .. t0+cnt-1 (k = 0..cnt-1): {@code dd[k][b] = d · q8.d} and the mins term
     * {@code summs = fma(dmin, Σ m·q8s, summs)} at {@code ms + L·k} (the sum is an exact integer in float).
     */
    private static void q5kRows(float[] s, float[] dy, float[] q8s, int t0, int cnt, int nb, int mn, int dw, int dm, int dd, int ms) {
        for (int k = 0; k < cnt; k++) {
            int t = t0 + k;
            FloatVector summs = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                float yd = dy[t * nb + b];
                FloatVector.fromArray(F, s, dw + L * b).mul(yd).intoArray(s, dd + L * (k * nb + b));
                int qo = 8 * (t * nb + b);
                int mo = mn + 8 * L * b;
                FloatVector m = FloatVector.fromArray(F, s, mo).mul(q8s[qo]);
                for (int i = 1; i < 8; i++) {
                    m = FloatVector.fromArray(F, s, mo + i * L).fma(FloatVector.broadcast(F, q8s[qo + i]), m);
                }
                summs = m.fma(FloatVector.fromArray(F, s, dm + L * b).mul(-yd), summs);
            }
            summs.intoArray(s, ms + L * k);
        }
    }

    /**
     * One activation row (from {@code ab}): the 8 lane accumulators to {@code acc + L·p}, the result (with the mins
     * term) to {@code out[outIdx..]}.
     */
    private static void q5kOne(MemorySegment p, long q0, int nb, float[] af, int ab, float[] s, int dd, int acc, int ms,
                               float[] out, int outIdx) {
        for (int lp = 0; lp < 8; lp++) {
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q5Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int so = 8 * L * b;
                FloatVector l0 = FloatVector.zero(F);
                for (int g = 0; g < 5; g++) { // sub-blocks 0..4: fields 0..3 of I0..I4
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * g, LE);
                    FloatVector x = FloatVector.zero(F);
                    for (int f = 0; f < 4; f++) {
                        x = ((FloatVector) v.and(0x1F << (5 * f)).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 4 * g + f]), x);
                    }
                    l0 = x.fma(FloatVector.fromArray(F, s, so + g * L), l0);
                }
                // sub-blocks 5 and 6: fields 4 and 5 of I0..I3
                FloatVector x5 = FloatVector.zero(F);
                FloatVector x6 = FloatVector.zero(F);
                for (int i = 0; i < 4; i++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * i, LE);
                    x5 = ((FloatVector) v.and(0x01F00000).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 20 + i]), x5);
                    x6 = ((FloatVector) v.and(0x3E000000).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 24 + i]), x6);
                }
                // sub-block 7: fields 4 and 5 of I4, and two quants split over the top bits of I0, I1, I4 and I2, I3, I4
                IntVector v4 = IntVector.fromMemorySegment(I, p, o + 256, LE);
                FloatVector x7 = FloatVector.zero(F);
                for (int r = 0; r < 2; r++) {
                    x7 = ((FloatVector) v4.and(0x1F << (20 + 5 * r)).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 28 + r]), x7);
                    IntVector split = IntVector.fromMemorySegment(I, p, o + 128 * r, LE).lanewise(LSHR, 30)
                            .or(IntVector.fromMemorySegment(I, p, o + 128 * r + 64, LE).lanewise(LSHR, 28).and(0xC))
                            .or(v4.lanewise(LSHR, 26 + r).and(0x10));
                    x7 = ((FloatVector) split.convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 30 + r]), x7);
                }
                FloatVector l1 = x7.fma(FloatVector.fromArray(F, s, so + 7 * L),
                        x6.fma(FloatVector.fromArray(F, s, so + 6 * L), x5.mul(FloatVector.fromArray(F, s, so + 5 * L))));
                total = l0.add(l1).fma(FloatVector.fromArray(F, s, dd + L * b), total);
            }
            total.intoArray(s, acc + L * lp);
        }
        rowSums(s, acc, 1, ms, out, outIdx, 0);
    }

    /**
     * Two activation rows ({@code as} apart from {@code ab}): lane accumulators to {@code acc + L·(8k + p)}, results
     * {@code outStride} apart from {@code out[outIdx]}.
     */
    private static void q5kTwo(MemorySegment p, long q0, int nb, float[] af, int ab, int as, float[] s, int dd, int acc, int ms,
                                float[] out, int outIdx, int outStride) {
        int s1 = as;
        int dstride = L * nb;
        for (int lp = 0; lp < 8; lp++) {
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q5Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int so = 8 * L * b;
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = FloatVector.zero(F);
                for (int g = 0; g < 5; g++) { // sub-blocks 0..4: fields 0..3 of I0..I4
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * g, LE);
                    FloatVector x0 = FloatVector.zero(F);
                    FloatVector x1 = FloatVector.zero(F);
                    for (int f = 0; f < 4; f++) {
                        int i = ao + 4 * g + f;
                        FloatVector w = (FloatVector) v.and(0x1F << (5 * f)).convert(I2F, 0);
                        x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                        x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                    }
                    FloatVector sg = FloatVector.fromArray(F, s, so + g * L);
                    l0 = x0.fma(sg, l0);
                    l1 = x1.fma(sg, l1);
                }
                // sub-blocks 5 (x) and 6 (y): fields 4 and 5 of I0..I3
                FloatVector x0 = FloatVector.zero(F);
                FloatVector x1 = FloatVector.zero(F);
                FloatVector y0 = FloatVector.zero(F);
                FloatVector y1 = FloatVector.zero(F);
                for (int e = 0; e < 4; e++) {
                    int i = ao + 20 + e;
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * e, LE);
                    FloatVector w = (FloatVector) v.and(0x01F00000).convert(I2F, 0);
                    x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                    x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                    FloatVector u = (FloatVector) v.and(0x3E000000).convert(I2F, 0);
                    y0 = u.fma(FloatVector.broadcast(F, af[i + 4]), y0);
                    y1 = u.fma(FloatVector.broadcast(F, af[i + 4 + s1]), y1);
                }
                FloatVector s5 = FloatVector.fromArray(F, s, so + 5 * L);
                FloatVector s6 = FloatVector.fromArray(F, s, so + 6 * L);
                l0 = y0.fma(s6, x0.fma(s5, l0));
                l1 = y1.fma(s6, x1.fma(s5, l1));
                // sub-block 7: field 4 or 5 of I4 (w), and the split quant (u), per round
                IntVector v4 = IntVector.fromMemorySegment(I, p, o + 256, LE);
                x0 = FloatVector.zero(F);
                x1 = FloatVector.zero(F);
                for (int r = 0; r < 2; r++) {
                    int i = ao + 28 + r;
                    FloatVector w = (FloatVector) v4.and(0x1F << (20 + 5 * r)).convert(I2F, 0);
                    x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                    x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                    FloatVector u = (FloatVector) IntVector.fromMemorySegment(I, p, o + 128 * r, LE).lanewise(LSHR, 30)
                            .or(IntVector.fromMemorySegment(I, p, o + 128 * r + 64, LE).lanewise(LSHR, 28).and(0xC))
                            .or(v4.lanewise(LSHR, 26 + r).and(0x10)).convert(I2F, 0);
                    x0 = u.fma(FloatVector.broadcast(F, af[i + 2]), x0);
                    x1 = u.fma(FloatVector.broadcast(F, af[i + 2 + s1]), x1);
                }
                FloatVector s7 = FloatVector.fromArray(F, s, so + 7 * L);
                l0 = x0.fma(s7, l0);
                l1 = x1.fma(s7, l1);
                int d = dd + L * b;
                t0 = l0.fma(FloatVector.fromArray(F, s, d), t0);
                t1 = l1.fma(FloatVector.fromArray(F, s, d + dstride), t1);
            }
            t0.intoArray(s, acc + L * lp);
            t1.intoArray(s, acc + L * (8 + lp));
        }
        rowSums(s, acc, 2, ms, out, outIdx, outStride);
    }

    // ------------------------------------------------------------------ Q6_K

    static void multiplyQ6K(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                            int groupStart, int groupEnd) {
        int nb = cols / 256;
        long groupBytes = (long) nb * KPanels.Q6K_BLOCK;
        float[] af = a.kpanel6();
        check(panels, groupBytes, cols, af, n, out, outOffset, rows, groupStart, groupEnd);
        float[] s = scratch(nb);
        int dw = 16 * L * nb;
        int dd = dw + L * nb;
        int acc = dd + 4 * L * nb;
        for (int g = groupStart; g < groupEnd; g++) {
            for (int h = 0; h < Panels.ROWS; h += L) {
                long base = g * groupBytes + 4L * h;
                long q0 = base + (long) Q6S * nb;
                q6kScales(panels, base, nb, s, dw);
                int outIdx = outOffset + g * Panels.ROWS + h;
                int t = 0;
                for (; t + 2 <= n; t += 2) {
                    q6kRows(s, a.d(), t, 2, nb, dw, dd);
                    q6kTwo(panels, q0, nb, af, a.kpanel6Bias(), t * cols, cols, s, dd, acc, out, outIdx + t * rows, rows);
                }
                for (; t < n; t++) {
                    q6kRows(s, a.d(), t, 1, nb, dw, dd);
                    q6kOne(panels, q0, nb, af, a.kpanel6Bias(), t * cols, s, dd, acc, out, outIdx + t * rows);
                }
            }
        }
    }

    /** Decodes the 16 signed scales of each superblock, times 2^24 (byte moved to the top), to scratch 0, and copies d. */
    private static void q6kScales(MemorySegment p, long s0, int nb, float[] s, int dw) {
        for (int b = 0; b < nb; b++) {
            long o = s0 + (long) Q6S * b;
            int so = 16 * L * b;
            for (int k = 0; k < 4; k++) {
                IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * k, LE);
                for (int i = 0; i < 4; i++) {
                    IntVector top = i == 3 ? v.and(0xFF000000) : v.lanewise(LSHL, 24 - 8 * i).and(0xFF000000);
                    ((FloatVector) top.convert(I2F, 0)).intoArray(s, so + (4 * k + i) * L);
                }
            }
            FloatVector.fromMemorySegment(F, p, o + 256, LE).intoArray(s, dw + L * b);
        }
    }

    /** For activation rows t0 .. t0+cnt-1: {@code dd[k][b] = d · q8.d}. */
    private static void q6kRows(float[] s, float[] dy, int t0, int cnt, int nb, int dw, int dd) {
        for (int k = 0; k < cnt; k++) {
            int t = t0 + k;
            for (int b = 0; b < nb; b++) {
                FloatVector.fromArray(F, s, dw + L * b).mul(dy[t * nb + b]).intoArray(s, dd + L * (k * nb + b));
            }
        }
    }

    /**
     * One activation row (from {@code ab}): the 8 lane accumulators to {@code acc + L·p}, the result to
     * {@code out[outIdx..]}. Each group of 4 quants
     * (one scale) is an exact sum started at its bias, {@code −32·Σq}, then multiplied by the scale into one of two
     * partial lane sums.
     */
    private static void q6kOne(MemorySegment p, long q0, int nb, float[] af, float[] bias, int ab, float[] s, int dd, int acc,
                               float[] out, int outIdx) {
        for (int lp = 0; lp < 8; lp++) {
            int hp = lp >> 2; // lanes 4..7 take the odd scale of each pair
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q6Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int bo = (ab >> 2) + 64 * b + 8 * lp;
                int so = 16 * L * b + hp * L;
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = FloatVector.zero(F);
                for (int g = 0; g < 6; g += 2) { // groups 0..5: fields 0..3 of I0..I5
                    IntVector va = IntVector.fromMemorySegment(I, p, o + 64 * g, LE);
                    IntVector vb = IntVector.fromMemorySegment(I, p, o + 64 * g + 64, LE);
                    FloatVector xa = FloatVector.broadcast(F, bias[bo + g]);
                    FloatVector xb = FloatVector.broadcast(F, bias[bo + g + 1]);
                    for (int f = 0; f < 4; f++) {
                        int m = 0x3F << (6 * f);
                        xa = ((FloatVector) va.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 4 * g + f]), xa);
                        xb = ((FloatVector) vb.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 4 * g + 4 + f]), xb);
                    }
                    l0 = xa.fma(FloatVector.fromArray(F, s, so + 2 * g * L), l0);
                    l1 = xb.fma(FloatVector.fromArray(F, s, so + (2 * g + 2) * L), l1);
                }
                // group 6: field 4 of I0..I3; group 7: field 4 of I4, I5 and the two quants split over the top bits
                FloatVector x6 = FloatVector.broadcast(F, bias[bo + 6]);
                FloatVector x7 = FloatVector.broadcast(F, bias[bo + 7]);
                for (int i = 0; i < 2; i++) {
                    long oi = o + 192 * i;
                    IntVector v0 = IntVector.fromMemorySegment(I, p, oi, LE);
                    IntVector v1 = IntVector.fromMemorySegment(I, p, oi + 64, LE);
                    IntVector v2 = IntVector.fromMemorySegment(I, p, oi + 128, LE);
                    IntVector split = v0.lanewise(LSHR, 30).or(v1.lanewise(LSHR, 28).and(0xC)).or(v2.lanewise(LSHR, 26).and(0x30));
                    x7 = ((FloatVector) split.convert(I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 30 + i]), x7);
                    x6 = ((FloatVector) IntVector.fromMemorySegment(I, p, o + 64 * i, LE).and(0x3F000000).convert(I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 24 + i]), x6);
                    x6 = ((FloatVector) IntVector.fromMemorySegment(I, p, o + 128 + 64 * i, LE).and(0x3F000000).convert(I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 26 + i]), x6);
                    x7 = ((FloatVector) IntVector.fromMemorySegment(I, p, o + 256 + 64 * i, LE).and(0x3F000000).convert(I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 28 + i]), x7);
                }
                l0 = x6.fma(FloatVector.fromArray(F, s, so + 12 * L), l0);
                l1 = x7.fma(FloatVector.fromArray(F, s, so + 14 * L), l1);
                total = l0.add(l1).fma(FloatVector.fromArray(F, s, dd + L * b), total);
            }
            total.intoArray(s, acc + L * lp);
        }
        rowSums(s, acc, 1, -1, out, outIdx, 0);
    }

    /**
     * Two activation rows ({@code as} apart from {@code ab}): lane accumulators to {@code acc + L·(8k + p)}, results
     * {@code outStride} apart from {@code out[outIdx]}.
     */
    private static void q6kTwo(MemorySegment p, long q0, int nb, float[] af, float[] bias, int ab, int as, float[] s, int dd, int acc,
                                float[] out, int outIdx, int outStride) {
        int s1 = as;
        int bs = as >> 2;
        int dstride = L * nb;
        for (int lp = 0; lp < 8; lp++) {
            int hp = lp >> 2;
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = q0 + (long) Q6Q * ((long) lp * nb + b);
                int ao = ab + 256 * b + 32 * lp;
                int bo = (ab >> 2) + 64 * b + 8 * lp;
                int so = 16 * L * b + hp * L;
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = FloatVector.zero(F);
                for (int g = 0; g < 6; g++) { // groups 0..5: fields 0..3 of I0..I5
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 * g, LE);
                    FloatVector x0 = FloatVector.broadcast(F, bias[bo + g]);
                    FloatVector x1 = FloatVector.broadcast(F, bias[bo + g + bs]);
                    for (int f = 0; f < 4; f++) {
                        FloatVector w = (FloatVector) v.and(0x3F << (6 * f)).convert(I2F, 0);
                        int i = ao + 4 * g + f;
                        x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                        x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                    }
                    FloatVector sg = FloatVector.fromArray(F, s, so + 2 * g * L);
                    l0 = x0.fma(sg, l0);
                    l1 = x1.fma(sg, l1);
                }
                // groups 6 and 7 (see q6kOne): four quants per round, two of group 6, two of group 7
                FloatVector x0 = FloatVector.broadcast(F, bias[bo + 6]);
                FloatVector x1 = FloatVector.broadcast(F, bias[bo + 6 + bs]);
                FloatVector y0 = FloatVector.broadcast(F, bias[bo + 7]);
                FloatVector y1 = FloatVector.broadcast(F, bias[bo + 7 + bs]);
                for (int r = 0; r < 2; r++) {
                    // group 6: field 4 of I_r (t = r) and of I_{r+2} (t = r + 2)
                    int i = ao + 24 + r;
                    FloatVector w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 64 * r, LE).and(0x3F000000).convert(I2F, 0);
                    x0 = w.fma(FloatVector.broadcast(F, af[i]), x0);
                    x1 = w.fma(FloatVector.broadcast(F, af[i + s1]), x1);
                    w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 128 + 64 * r, LE).and(0x3F000000).convert(I2F, 0);
                    x0 = w.fma(FloatVector.broadcast(F, af[i + 2]), x0);
                    x1 = w.fma(FloatVector.broadcast(F, af[i + 2 + s1]), x1);
                    // group 7: field 4 of I_{4+r} (t = r), and the quant t = 2 + r split over I_{3r} .. I_{3r+2}
                    w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 256 + 64 * r, LE).and(0x3F000000).convert(I2F, 0);
                    y0 = w.fma(FloatVector.broadcast(F, af[i + 4]), y0);
                    y1 = w.fma(FloatVector.broadcast(F, af[i + 4 + s1]), y1);
                    long oi = o + 192 * r;
                    w = (FloatVector) IntVector.fromMemorySegment(I, p, oi, LE).lanewise(LSHR, 30)
                            .or(IntVector.fromMemorySegment(I, p, oi + 64, LE).lanewise(LSHR, 28).and(0xC))
                            .or(IntVector.fromMemorySegment(I, p, oi + 128, LE).lanewise(LSHR, 26).and(0x30)).convert(I2F, 0);
                    y0 = w.fma(FloatVector.broadcast(F, af[i + 6]), y0);
                    y1 = w.fma(FloatVector.broadcast(F, af[i + 6 + s1]), y1);
                }
                FloatVector s6 = FloatVector.fromArray(F, s, so + 12 * L);
                FloatVector s7 = FloatVector.fromArray(F, s, so + 14 * L);
                l0 = y0.fma(s7, x0.fma(s6, l0));
                l1 = y1.fma(s7, x1.fma(s6, l1));
                int d = dd + L * b;
                t0 = l0.fma(FloatVector.fromArray(F, s, d), t0);
                t1 = l1.fma(FloatVector.fromArray(F, s, d + dstride), t1);
            }
            t0.intoArray(s, acc + L * lp);
            t1.intoArray(s, acc + L * (8 + lp));
        }
        rowSums(s, acc, 2, -1, out, outIdx, outStride);
    }
    /**
     * The results of {@code rows} activation rows from their 8 lane accumulators at {@code acc + L·(8k + p)}:
     * {@code hsum_float_8}'s order {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}, plus row k's mins term at
     * {@code ms + L·k} when {@code ms ≥ 0}. Apart from the kernels, which it keeps below the size at which C2 inlines
     * the Vector API late (see {@link VectorQ8PanelKernels}); it reads and writes arrays only.
     */
    private static void rowSums(float[] s, int acc, int rows, int ms, float[] out, int outIdx, int outStride) {
        for (int k = 0; k < rows; k++) {
            int o = acc + 8 * L * k;
            FloatVector r = FloatVector.fromArray(F, s, o).add(FloatVector.fromArray(F, s, o + 4 * L))
                    .add(FloatVector.fromArray(F, s, o + 2 * L).add(FloatVector.fromArray(F, s, o + 6 * L)))
                    .add(FloatVector.fromArray(F, s, o + L).add(FloatVector.fromArray(F, s, o + 5 * L))
                            .add(FloatVector.fromArray(F, s, o + 3 * L).add(FloatVector.fromArray(F, s, o + 7 * L))));
            if (ms >= 0) {
                r = r.add(FloatVector.fromArray(F, s, ms + L * k));
            }
            r.intoArray(out, outIdx + k * outStride);
        }
    }
}
