package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The Q4_0 panel products ({@link Q4Panels}; the Q8_0 and Q5_0 ones are in {@link VectorQ8PanelKernels}): one float
 * lane per weight row, so the block sums need no
 * horizontal reduction. At 512 bits a vector covers a group's 16 rows; narrower widths take the group in 2 or 4
 * slices of lanes (same layout, same results).
 *
 * <p>Per weight vector: an AND (or the shift for nibble 7), an int-to-float conversion, then one FMA per
 * activation row. Prompt chunks and batches go sixteen activation rows at a time ({@link #sixteen}), then eight
 * ({@link #eight}) and four ({@link #four}), so each weight vector is unpacked once for that many rows; single rows
 * (decoding) take {@link #one}.
 *
 * <p>The kernels are written out, with no helper methods that take or return vectors (C2 boxes vectors passed
 * to a method it did not inline; see {@link VectorQ32Kernels}).
 */
final class VectorPanelKernels {
    private VectorPanelKernels() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final int L = VectorShapes.FL;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int RB = Q4Panels.BLOCK_BYTES;
    /** Row j (16 ints): nibble j's mask {@code 0xF << 4j}. */
    private static final int[] NIBBLE_MASKS = new int[8 * 16];

    static {
        for (int j = 0; j < 8; j++) {
            java.util.Arrays.fill(NIBBLE_MASKS, 16 * j, 16 * j + 16, 0xF << 4 * j);
        }
    }

    /**
     * Per thread: {@link #sixteen}'s running totals, 16 activation rows × 16 weight rows, copied to the output once a
     * group is done. Kept in the output itself, they were written once a block, and the two workers' bands meet in
     * shared cache lines of the output (a float[]'s elements start 16 bytes into a line): those lines went back and
     * forth between the cores every block.
     */
    private static final ThreadLocal<float[]> TOTALS = ThreadLocal.withInitial(() -> new float[16 * Panels.ROWS]);

    static void multiply4(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                         int groupStart, int groupEnd) {
        int nb = cols / 32;
        Objects.checkFromToIndex(groupStart, groupEnd, rows / Panels.ROWS);
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Objects.checkFromIndexSize(0, n * cols, a.panel().length);
        Objects.checkFromIndexSize(0, (long) groupEnd * nb * RB, panels.byteSize());
        if (n >= 8) {
            Objects.checkFromIndexSize(0, n / 8 * 8 * cols, a.panelX8().length);
        }
        float[] totals = TOTALS.get();
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * RB;
            int t = 0;
            for (; t + 16 <= n; t += 16) {
                sixteen(panels, base, nb, a.panelX8(), a.panelBias(), a.d(), t * cols, 8 * cols, t * nb, nb, totals, 0, Panels.ROWS);
                int o = outOffset + t * rows + g * Panels.ROWS;
                for (int i = 0; i < 16; i++) {
                    System.arraycopy(totals, Panels.ROWS * i, out, o + i * rows, Panels.ROWS);
                }
            }
            for (; t + 8 <= n; t += 8) {
                eight(panels, base, nb, a.panelX8(), a.panelBias(), a.d(), t * cols, t * nb, nb, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t + 4 <= n; t += 4) {
                four(panels, base, nb, a.panel(), a.panelBias(), a.d(), t * nb, nb, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t < n; t++) {
                one(panels, base, nb, a.panel(), a.panelBias(), a.d(), t * nb, out, outOffset + t * rows + g * Panels.ROWS, totals);
            }
        }
    }

    /**
     * One activation row (blocks from {@code ab}) with the 16 rows of the group at {@code base}. The running total
     * goes through {@code acc} (per thread) block after block instead of a vector carried around the block loop. This
     * was tried against a boxing that C2 now and then compiled into this kernel for good (CI and a clean-clone run:
     * the total's FMA and zero allocated every block): it removed the zero's box, but a later clean-clone run still
     * boxed the FMA's result, so it is not the cure (see DecodeAllocationTest). Same operations, same bits, same
     * decoding speed; the store and the reload are L1 hits.
     */
    private static void one(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int ab, float[] out, int outIdx,
                            float[] acc) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            java.util.Arrays.fill(acc, 0, L, 0f);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int ao = (ab + b) * 32;
                // four independent sums (one per int of the row's block), so that the FMAs do not wait on each other;
                // every partial sum is an exact integer, so how they are grouped does not change the block sum
                IntVector v0 = IntVector.fromMemorySegment(I, p, o + 64, LE);
                IntVector v1 = IntVector.fromMemorySegment(I, p, o + 128, LE);
                IntVector v2 = IntVector.fromMemorySegment(I, p, o + 192, LE);
                IntVector v3 = IntVector.fromMemorySegment(I, p, o + 256, LE);
                FloatVector x0 = FloatVector.zero(F);
                FloatVector x1 = FloatVector.zero(F);
                FloatVector x2 = FloatVector.zero(F);
                FloatVector x3 = FloatVector.zero(F);
                for (int j = 0; j < 7; j++) {
                    int m = 0xF << (4 * j);
                    x0 = ((FloatVector) v0.and(m).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + j]), x0);
                    x1 = ((FloatVector) v1.and(m).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 8 + j]), x1);
                    x2 = ((FloatVector) v2.and(m).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 16 + j]), x2);
                    x3 = ((FloatVector) v3.and(m).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 24 + j]), x3);
                }
                x0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 7]), x0);
                x1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 15]), x1);
                x2 = ((FloatVector) v2.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 23]), x2);
                x3 = ((FloatVector) v3.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[ao + 31]), x3);
                FloatVector blk = x0.add(x1).add(x2.add(x3));
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE).mul(d[ab + b]);
                blk.sub(bias[ab + b]).fma(scale, FloatVector.fromArray(F, acc, 0)).intoArray(acc, 0);
            }
            System.arraycopy(acc, 0, out, outIdx + h, L);
        }
    }

    /**
     * Four activation rows (blocks from {@code ab}, {@code as} blocks apart) with the group at {@code base};
     * results {@code outStride} apart.
     */
    private static void four(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int ab, int as,
                             float[] out, int outIdx, int outStride) {
        int s1 = 32 * as;
        int s2 = 2 * s1;
        int s3 = 3 * s1;
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            FloatVector t2 = FloatVector.zero(F);
            FloatVector t3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int ao = (ab + b) * 32;
                FloatVector b0 = FloatVector.zero(F);
                FloatVector b1 = FloatVector.zero(F);
                FloatVector b2 = FloatVector.zero(F);
                FloatVector b3 = FloatVector.zero(F);
                for (int i = 0; i < 4; i++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * i, LE);
                    for (int j = 0; j < 8; j++, ao++) {
                        FloatVector w = (FloatVector) (j == 7 ? v.lanewise(VectorOperators.LSHR, 28) : v.and(0xF << (4 * j)))
                                .convert(VectorOperators.I2F, 0);
                        b0 = w.fma(FloatVector.broadcast(F, af[ao]), b0);
                        b1 = w.fma(FloatVector.broadcast(F, af[ao + s1]), b1);
                        b2 = w.fma(FloatVector.broadcast(F, af[ao + s2]), b2);
                        b3 = w.fma(FloatVector.broadcast(F, af[ao + s3]), b3);
                    }
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE);
                int k = ab + b;
                t0 = b0.sub(bias[k]).fma(scale.mul(d[k]), t0);
                t1 = b1.sub(bias[k + as]).fma(scale.mul(d[k + as]), t1);
                t2 = b2.sub(bias[k + 2 * as]).fma(scale.mul(d[k + 2 * as]), t2);
                t3 = b3.sub(bias[k + 3 * as]).fma(scale.mul(d[k + 3 * as]), t3);
            }
            t0.intoArray(out, outIdx + h);
            t1.intoArray(out, outIdx + outStride + h);
            t2.intoArray(out, outIdx + 2 * outStride + h);
            t3.intoArray(out, outIdx + 3 * outStride + h);
        }
    }

    /**
     * Eight activation rows (blocks from {@code ab}, {@code as} blocks apart; their quants interleaved from
     * {@code xb} in {@link Activations#panelX8()}) with the group at {@code base}; results {@code outStride} apart.
     * The interleaved form lets the eight broadcasts of an element share one index (no address arithmetic a
     * load), and the nibble masks come from a table: with the rows' separate offsets and a mask computed per
     * nibble, C2 spent some 33 instructions per 8 FMAs and the kernel ran at 27–29 GMAC/s on one thread; now 43–44
     * (896 × 896 and 4864 × 896, 16 and 32 rows, 512 bits).
     */
    private static void eight(MemorySegment p, long base, int nb, float[] x8, float[] bias, float[] d, int xb, int ab, int as,
                             float[] out, int outIdx, int outStride) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            FloatVector t2 = FloatVector.zero(F);
            FloatVector t3 = FloatVector.zero(F);
            FloatVector t4 = FloatVector.zero(F);
            FloatVector t5 = FloatVector.zero(F);
            FloatVector t6 = FloatVector.zero(F);
            FloatVector t7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int k = ab + b;
                // the block sums start at −8·Σq (the nibbles' offset), so the block ends with one FMA a row
                FloatVector b0 = FloatVector.broadcast(F, -bias[k]);
                FloatVector b1 = FloatVector.broadcast(F, -bias[k + as]);
                FloatVector b2 = FloatVector.broadcast(F, -bias[k + 2 * as]);
                FloatVector b3 = FloatVector.broadcast(F, -bias[k + 3 * as]);
                FloatVector b4 = FloatVector.broadcast(F, -bias[k + 4 * as]);
                FloatVector b5 = FloatVector.broadcast(F, -bias[k + 5 * as]);
                FloatVector b6 = FloatVector.broadcast(F, -bias[k + 6 * as]);
                FloatVector b7 = FloatVector.broadcast(F, -bias[k + 7 * as]);
                int xo = xb + 256 * b; // xb = (G·cols)·8: the group of eight rows; 8 floats an element
                for (int i = 0; i < 4; i++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * i, LE);
                    for (int j = 0; j < 8; j++) {
                        // the mask from a table (a load) rather than 0xF << 4j (a broadcast on the FMA port)
                        FloatVector w = (FloatVector) (j == 7 ? v.lanewise(VectorOperators.LSHR, 28) : v.and(IntVector.fromArray(I, NIBBLE_MASKS, 16 * j)))
                                .convert(VectorOperators.I2F, 0);
                        int x = xo + 64 * i + 8 * j; // the eight rows' element 8i + j, side by side
                        b0 = w.fma(FloatVector.broadcast(F, x8[x]), b0);
                        b1 = w.fma(FloatVector.broadcast(F, x8[x + 1]), b1);
                        b2 = w.fma(FloatVector.broadcast(F, x8[x + 2]), b2);
                        b3 = w.fma(FloatVector.broadcast(F, x8[x + 3]), b3);
                        b4 = w.fma(FloatVector.broadcast(F, x8[x + 4]), b4);
                        b5 = w.fma(FloatVector.broadcast(F, x8[x + 5]), b5);
                        b6 = w.fma(FloatVector.broadcast(F, x8[x + 6]), b6);
                        b7 = w.fma(FloatVector.broadcast(F, x8[x + 7]), b7);
                    }
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE);
                t0 = b0.fma(scale.mul(d[k]), t0);
                t1 = b1.fma(scale.mul(d[k + as]), t1);
                t2 = b2.fma(scale.mul(d[k + 2 * as]), t2);
                t3 = b3.fma(scale.mul(d[k + 3 * as]), t3);
                t4 = b4.fma(scale.mul(d[k + 4 * as]), t4);
                t5 = b5.fma(scale.mul(d[k + 5 * as]), t5);
                t6 = b6.fma(scale.mul(d[k + 6 * as]), t6);
                t7 = b7.fma(scale.mul(d[k + 7 * as]), t7);
            }
            t0.intoArray(out, outIdx + h);
            t1.intoArray(out, outIdx + outStride + h);
            t2.intoArray(out, outIdx + 2 * outStride + h);
            t3.intoArray(out, outIdx + 3 * outStride + h);
            t4.intoArray(out, outIdx + 4 * outStride + h);
            t5.intoArray(out, outIdx + 5 * outStride + h);
            t6.intoArray(out, outIdx + 6 * outStride + h);
            t7.intoArray(out, outIdx + 7 * outStride + h);
        }
    }

    /**
     * Sixteen activation rows: two groups of eight of {@link Activations#panelX8()}, the second {@code xs} floats
     * after the first. Each nibble step does 16 FMAs for one unpacked weight vector (the loop's own cost, some 17
     * instructions a step, is then paid per 16 FMAs rather than 8); the running totals stay in {@code out}, so that
     * the 16 block sums fit in registers. One thread, 512 bits: 45–47 → 49–50 GMAC/s on 896 × 896 and 33–38 → 41–46
     * on 4864 × 896 (32 rows). Writing the nibble loop out instead (in {@link #eight}) was 25% slower: C2 then
     * emitted each row's eight FMAs back to back, one dependent chain after another, and unrolled by two it spilled.
     */
    private static void sixteen(MemorySegment p, long base, int nb, float[] x8, float[] bias, float[] d, int xb, int xs, int ab, int as,
                                float[] out, int outIdx, int outStride) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector zero = FloatVector.zero(F);
            zero.intoArray(out, outIdx + h);
            zero.intoArray(out, outIdx + outStride + h);
            zero.intoArray(out, outIdx + 2 * outStride + h);
            zero.intoArray(out, outIdx + 3 * outStride + h);
            zero.intoArray(out, outIdx + 4 * outStride + h);
            zero.intoArray(out, outIdx + 5 * outStride + h);
            zero.intoArray(out, outIdx + 6 * outStride + h);
            zero.intoArray(out, outIdx + 7 * outStride + h);
            zero.intoArray(out, outIdx + 8 * outStride + h);
            zero.intoArray(out, outIdx + 9 * outStride + h);
            zero.intoArray(out, outIdx + 10 * outStride + h);
            zero.intoArray(out, outIdx + 11 * outStride + h);
            zero.intoArray(out, outIdx + 12 * outStride + h);
            zero.intoArray(out, outIdx + 13 * outStride + h);
            zero.intoArray(out, outIdx + 14 * outStride + h);
            zero.intoArray(out, outIdx + 15 * outStride + h);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB * b + 4L * h;
                int k = ab + b;
                FloatVector b0 = FloatVector.broadcast(F, -bias[k]);
                FloatVector b1 = FloatVector.broadcast(F, -bias[k + as]);
                FloatVector b2 = FloatVector.broadcast(F, -bias[k + 2 * as]);
                FloatVector b3 = FloatVector.broadcast(F, -bias[k + 3 * as]);
                FloatVector b4 = FloatVector.broadcast(F, -bias[k + 4 * as]);
                FloatVector b5 = FloatVector.broadcast(F, -bias[k + 5 * as]);
                FloatVector b6 = FloatVector.broadcast(F, -bias[k + 6 * as]);
                FloatVector b7 = FloatVector.broadcast(F, -bias[k + 7 * as]);
                FloatVector b8 = FloatVector.broadcast(F, -bias[k + 8 * as]);
                FloatVector b9 = FloatVector.broadcast(F, -bias[k + 9 * as]);
                FloatVector b10 = FloatVector.broadcast(F, -bias[k + 10 * as]);
                FloatVector b11 = FloatVector.broadcast(F, -bias[k + 11 * as]);
                FloatVector b12 = FloatVector.broadcast(F, -bias[k + 12 * as]);
                FloatVector b13 = FloatVector.broadcast(F, -bias[k + 13 * as]);
                FloatVector b14 = FloatVector.broadcast(F, -bias[k + 14 * as]);
                FloatVector b15 = FloatVector.broadcast(F, -bias[k + 15 * as]);
                int xo = xb + 256 * b;
                for (int i = 0; i < 4; i++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * i, LE);
                    for (int j = 0; j < 8; j++) {
                        FloatVector w = (FloatVector) (j == 7 ? v.lanewise(VectorOperators.LSHR, 28) : v.and(IntVector.fromArray(I, NIBBLE_MASKS, 16 * j)))
                                .convert(VectorOperators.I2F, 0);
                        int x = xo + 64 * i + 8 * j;
                        b0 = w.fma(FloatVector.broadcast(F, x8[x]), b0);
                        b1 = w.fma(FloatVector.broadcast(F, x8[x + 1]), b1);
                        b2 = w.fma(FloatVector.broadcast(F, x8[x + 2]), b2);
                        b3 = w.fma(FloatVector.broadcast(F, x8[x + 3]), b3);
                        b4 = w.fma(FloatVector.broadcast(F, x8[x + 4]), b4);
                        b5 = w.fma(FloatVector.broadcast(F, x8[x + 5]), b5);
                        b6 = w.fma(FloatVector.broadcast(F, x8[x + 6]), b6);
                        b7 = w.fma(FloatVector.broadcast(F, x8[x + 7]), b7);
                        b8 = w.fma(FloatVector.broadcast(F, x8[x + xs]), b8);
                        b9 = w.fma(FloatVector.broadcast(F, x8[x + xs + 1]), b9);
                        b10 = w.fma(FloatVector.broadcast(F, x8[x + xs + 2]), b10);
                        b11 = w.fma(FloatVector.broadcast(F, x8[x + xs + 3]), b11);
                        b12 = w.fma(FloatVector.broadcast(F, x8[x + xs + 4]), b12);
                        b13 = w.fma(FloatVector.broadcast(F, x8[x + xs + 5]), b13);
                        b14 = w.fma(FloatVector.broadcast(F, x8[x + xs + 6]), b14);
                        b15 = w.fma(FloatVector.broadcast(F, x8[x + xs + 7]), b15);
                    }
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE);
                b0.fma(scale.mul(d[k]), FloatVector.fromArray(F, out, outIdx + h)).intoArray(out, outIdx + h);
                b1.fma(scale.mul(d[k + as]), FloatVector.fromArray(F, out, outIdx + outStride + h)).intoArray(out, outIdx + outStride + h);
                b2.fma(scale.mul(d[k + 2 * as]), FloatVector.fromArray(F, out, outIdx + 2 * outStride + h)).intoArray(out, outIdx + 2 * outStride + h);
                b3.fma(scale.mul(d[k + 3 * as]), FloatVector.fromArray(F, out, outIdx + 3 * outStride + h)).intoArray(out, outIdx + 3 * outStride + h);
                b4.fma(scale.mul(d[k + 4 * as]), FloatVector.fromArray(F, out, outIdx + 4 * outStride + h)).intoArray(out, outIdx + 4 * outStride + h);
                b5.fma(scale.mul(d[k + 5 * as]), FloatVector.fromArray(F, out, outIdx + 5 * outStride + h)).intoArray(out, outIdx + 5 * outStride + h);
                b6.fma(scale.mul(d[k + 6 * as]), FloatVector.fromArray(F, out, outIdx + 6 * outStride + h)).intoArray(out, outIdx + 6 * outStride + h);
                b7.fma(scale.mul(d[k + 7 * as]), FloatVector.fromArray(F, out, outIdx + 7 * outStride + h)).intoArray(out, outIdx + 7 * outStride + h);
                b8.fma(scale.mul(d[k + 8 * as]), FloatVector.fromArray(F, out, outIdx + 8 * outStride + h)).intoArray(out, outIdx + 8 * outStride + h);
                b9.fma(scale.mul(d[k + 9 * as]), FloatVector.fromArray(F, out, outIdx + 9 * outStride + h)).intoArray(out, outIdx + 9 * outStride + h);
                b10.fma(scale.mul(d[k + 10 * as]), FloatVector.fromArray(F, out, outIdx + 10 * outStride + h)).intoArray(out, outIdx + 10 * outStride + h);
                b11.fma(scale.mul(d[k + 11 * as]), FloatVector.fromArray(F, out, outIdx + 11 * outStride + h)).intoArray(out, outIdx + 11 * outStride + h);
                b12.fma(scale.mul(d[k + 12 * as]), FloatVector.fromArray(F, out, outIdx + 12 * outStride + h)).intoArray(out, outIdx + 12 * outStride + h);
                b13.fma(scale.mul(d[k + 13 * as]), FloatVector.fromArray(F, out, outIdx + 13 * outStride + h)).intoArray(out, outIdx + 13 * outStride + h);
                b14.fma(scale.mul(d[k + 14 * as]), FloatVector.fromArray(F, out, outIdx + 14 * outStride + h)).intoArray(out, outIdx + 14 * outStride + h);
                b15.fma(scale.mul(d[k + 15 * as]), FloatVector.fromArray(F, out, outIdx + 15 * outStride + h)).intoArray(out, outIdx + 15 * outStride + h);
            }
        }
    }
}
