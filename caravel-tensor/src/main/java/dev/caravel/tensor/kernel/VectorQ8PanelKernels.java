package dev.caravel.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The panel products of the Q8_0 family ({@link Q8Panels}, {@link Q5Panels}): llama.cpp's 8-lane numerics, where
 * lane p of a 32-block is the exact sum of the products of elements 4p..4p+3, {@code acc_p = fma(lane_p, dw·dq,
 * acc_p)} block after block, and the result {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))} ({@code hsum_float_8}).
 * One float lane per weight row: at 512 bits a vector covers a group's 16 rows, narrower widths take the group in
 * 2 or 4 slices of lanes (same layout, same results).
 *
 * <p>One activation row (decoding) takes {@link #one8} / {@link #one5}: all 8 ggml lanes of a block at once, so
 * the weights are read once. Two or more rows (prompt chunks, continuous batching) go four at a time: per group,
 * {@link #lane8} / {@link #lane5} / {@link #lane5x} run one ggml lane over all blocks for four activation rows,
 * unpacking each weight vector once for the four, and leave the lane's accumulators in a small per-thread buffer;
 * {@link #hsum} then adds the 8 lanes in {@code hsum_float_8}'s order. A last chunk of three rows goes through
 * the four-row kernels too (the missing row repeats the last one and is not stored); one or two rows left take the
 * one-row kernel, which is then as fast (the group's weights are in cache for the second row). Q8_0, 896 × 896, one
 * thread, 512 bits (a shared machine, best of interleaved bursts): 4 rows 24.2 GMAC/s and 16 rows 26.1, against
 * 17.7 and 18.5 with the one-row kernel per row; 1 and 2 rows 18.1 either way. Q5_0: see {@link Q5Panels}.
 *
 * <p>Why one lane at a time. The kernels are written out, with no helper methods that take or return vectors (C2
 * boxes vectors passed to a method it did not inline; see {@link VectorQ32Kernels}); and each kernel must stay
 * small. Past about 18000 parse nodes (some 80 to 90 Vector API calls in the source) C2 inlines the rest of a method
 * late, and a late-inlined call whose receiver came from another late-inlined call is dispatched on the type
 * profile of the shared Vector API code: once kernels of other shapes (the 256-bit K-quant kernels) have run in the
 * JVM, that profile names other vector classes, the intrinsics fail and every vector is boxed. A one-row Q5_0
 * kernel of about 95 calls passed on its own and boxed after other models had run (caravel-model's
 * DecodeAllocationTest loads 15 in one JVM; a test of one model cannot see it). Hence {@link #one5}'s loops, and
 * four-row kernels of one lane each (50 to 70 calls), which measured as fast as a written-out two-lane version of
 * twice the size.
 */
final class VectorQ8PanelKernels {
    private VectorQ8PanelKernels() {
    }

    private static final VectorSpecies<Float> F = VectorShapes.FW;
    private static final VectorSpecies<Integer> I = VectorShapes.IW;
    private static final int L = VectorShapes.FL;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Per thread: the lane accumulators of four activation rows, {@code [64·lane + 16·row + group row]}. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[8 * 8 * Panels.ROWS]);
    /** Per thread: {@link #scaleProducts8}' products, grown to the widest matrix seen. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    // ------------------------------------------------------------------ Q8_0

    private static final int RB8 = Q8Panels.BLOCK_BYTES;

    static void multiply8(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                          int groupStart, int groupEnd) {
        int nb = cols / 32;
        Objects.checkFromToIndex(groupStart, groupEnd, rows / Panels.ROWS);
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Objects.checkFromIndexSize(0, n * cols, a.panel8().length);
        Objects.checkFromIndexSize(0, (long) groupEnd * nb * RB8, panels.byteSize());
        float[] af = a.panel8();
        float[] sc = n >= 3 ? LANES.get() : null;
        float[] sp = n >= 8 ? scaleScratch(nb) : null;
        if (n >= 8) {
            Objects.checkFromIndexSize(0, n / 8 * 8 * cols, a.panel8X8().length);
        }
        long touched = 0;
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * RB8;
            if (n >= 3) {
                touched += touch(panels, base, (long) nb * RB8);
            }
            int t = 0;
            for (; t + 8 <= n; t += 8) { // eight rows at a time, the scale products shared by the 8 lane passes
                scaleProducts8(panels, base, RB8, nb, a.d(), t * nb, nb, sp);
                for (int lane = 0; lane < 8; lane++) {
                    lane8x8(panels, base, nb, a.panel8X8(), t * cols, lane, sp, sc);
                }
                hsum(sc, 8, 128, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; n - t >= 3; t += 4) { // four rows at a time, a last chunk of three too
                int m = Math.min(4, n - t);
                int k0 = t * nb;
                int k1 = k0 + nb * Math.min(1, m - 1);
                int k2 = k0 + nb * Math.min(2, m - 1);
                int k3 = k0 + nb * Math.min(3, m - 1);
                for (int lane = 0; lane < 8; lane++) {
                    lane8(panels, base, nb, af, a.d(), k0, k1, k2, k3, lane, sc);
                }
                hsum(sc, m, 64, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t < n; t++) { // the group's weights are in cache for the second row
                one8(panels, base, nb, af, a.d(), t * nb, out, outOffset + t * rows + g * Panels.ROWS);
            }
        }
        touchSink = touched;
    }

    /** Where {@link #touch}'s sums go, so that its loads are not dead code. */
    @SuppressWarnings("unused")
    private static long touchSink;

    /**
     * Reads one long of every 64-byte line of {@code [from, from + bytes)} and returns their sum. The lane kernels
     * read a group with a stride (64 bytes of every 576-byte block a pass), which the hardware prefetchers follow
     * badly: a group not in cache (the output layer, 30 MB at Q8_0 for a 49k vocabulary) then stalled every
     * block, 14.7 against 29.6 GMAC/s in cache (8 rows, one thread). Read in order first, the lines come in with
     * all the memory parallelism the core has, and the lane passes find them in L1.
     */
    private static long touch(MemorySegment p, long from, long bytes) {
        long sum = 0;
        for (long o = 0; o < bytes; o += 64) {
            sum += p.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, from + o);
        }
        return sum;
    }

    /**
     * One activation row (blocks from {@code ab}) with the 16 Q8_0 rows of the group at {@code base}: a row's 8
     * ggml lanes are 8 accumulators, added at the end in {@code hsum_float_8}'s order,
     * {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}. (Each lane's four bytes go through a loop: written out, the
     * method grows past what C2 inlines the Vector API into, and then it boxes vectors.)
     */
    private static void one8(MemorySegment p, long base, int nb, float[] af, float[] d, int ab, float[] out, int outIdx) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            FloatVector c4 = FloatVector.zero(F);
            FloatVector c5 = FloatVector.zero(F);
            FloatVector c6 = FloatVector.zero(F);
            FloatVector c7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB8 * b + 4L * h;
                int ao = (ab + b) * 32;
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE).mul(d[ab + b]);
                IntVector v0 = IntVector.fromMemorySegment(I, p, o + 64, LE);
                FloatVector s0 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s0 = ((FloatVector) v0.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 0 + j]), s0);
                }
                c0 = s0.fma(scale, c0);
                IntVector v1 = IntVector.fromMemorySegment(I, p, o + 128, LE);
                FloatVector s1 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s1 = ((FloatVector) v1.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 4 + j]), s1);
                }
                c1 = s1.fma(scale, c1);
                IntVector v2 = IntVector.fromMemorySegment(I, p, o + 192, LE);
                FloatVector s2 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s2 = ((FloatVector) v2.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 8 + j]), s2);
                }
                c2 = s2.fma(scale, c2);
                IntVector v3 = IntVector.fromMemorySegment(I, p, o + 256, LE);
                FloatVector s3 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s3 = ((FloatVector) v3.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 12 + j]), s3);
                }
                c3 = s3.fma(scale, c3);
                IntVector v4 = IntVector.fromMemorySegment(I, p, o + 320, LE);
                FloatVector s4 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s4 = ((FloatVector) v4.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 16 + j]), s4);
                }
                c4 = s4.fma(scale, c4);
                IntVector v5 = IntVector.fromMemorySegment(I, p, o + 384, LE);
                FloatVector s5 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s5 = ((FloatVector) v5.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 20 + j]), s5);
                }
                c5 = s5.fma(scale, c5);
                IntVector v6 = IntVector.fromMemorySegment(I, p, o + 448, LE);
                FloatVector s6 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s6 = ((FloatVector) v6.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 24 + j]), s6);
                }
                c6 = s6.fma(scale, c6);
                IntVector v7 = IntVector.fromMemorySegment(I, p, o + 512, LE);
                FloatVector s7 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    s7 = ((FloatVector) v7.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 28 + j]), s7);
                }
                c7 = s7.fma(scale, c7);
            }
            c0.add(c4).add(c2.add(c6)).add(c1.add(c5).add(c3.add(c7))).intoArray(out, outIdx + h);
        }
    }

    /**
     * ggml lane {@code lane} of the 16 Q8_0 rows of the group at {@code base} with four activation rows (blocks from
     * {@code k0..k3}): the lane's accumulators {@code acc = fma(lane sum, dw·dq, acc)} over all blocks, to
     * {@code sc[64·lane + 16·t + r]} (row r of the group, activation row t).
     */
    private static void lane8(MemorySegment p, long base, int nb, float[] af, float[] d, int k0, int k1, int k2, int k3,
                              int lane, float[] sc) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            long io = 64 + 64L * lane + 4L * h;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB8 * b;
                IntVector v = IntVector.fromMemorySegment(I, p, o + io, LE);
                int x0 = (k0 + b) * 32 + 4 * lane;
                int x1 = (k1 + b) * 32 + 4 * lane;
                int x2 = (k2 + b) * 32 + 4 * lane;
                int x3 = (k3 + b) * 32 + 4 * lane;
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                FloatVector s3 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++) { // byte j to the top byte, the rest cleared: q · 2^24
                    FloatVector w = (FloatVector) v.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0);
                    s0 = w.fma(FloatVector.broadcast(F, af[x0 + j]), s0);
                    s1 = w.fma(FloatVector.broadcast(F, af[x1 + j]), s1);
                    s2 = w.fma(FloatVector.broadcast(F, af[x2 + j]), s2);
                    s3 = w.fma(FloatVector.broadcast(F, af[x3 + j]), s3);
                }
                FloatVector dw = FloatVector.fromMemorySegment(F, p, o + 4L * h, LE);
                a0 = s0.fma(dw.mul(d[k0 + b]), a0);
                a1 = s1.fma(dw.mul(d[k1 + b]), a1);
                a2 = s2.fma(dw.mul(d[k2 + b]), a2);
                a3 = s3.fma(dw.mul(d[k3 + b]), a3);
            }
            int q = 64 * lane + h;
            a0.intoArray(sc, q);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
        }
    }

    /** This thread's {@link #scaleProducts8} buffer for rows of nb blocks (grown once per larger width). */
    private static float[] scaleScratch(int nb) {
        float[] sp = SCALES.get();
        if (sp.length < nb * 8 * Panels.ROWS) {
            sp = new float[nb * 8 * Panels.ROWS];
            SCALES.set(sp);
        }
        return sp;
    }

    /**
     * The products {@code dw[r]·dq} of the group at {@code base}'s 16 row scales with eight activation rows' block
     * scales (row t's blocks from {@code k0 + t·as}): {@code sp[(8b + t)·16 + r]}, shared by {@link #lane8x8}'s 8
     * passes instead of 8 multiplications each.
     */
    private static void scaleProducts8(MemorySegment p, long base, int rb, int nb, float[] d, int k0, int as, float[] sp) {
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < Panels.ROWS; h += L) {
                FloatVector dw = FloatVector.fromMemorySegment(F, p, base + (long) rb * b + 4L * h, LE);
                for (int t = 0; t < 8; t++) {
                    dw.mul(d[k0 + t * as + b]).intoArray(sp, (8 * b + t) * Panels.ROWS + h);
                }
            }
        }
    }

    /**
     * ggml lane {@code lane} of the 16 Q8_0 rows of the group at {@code base} with eight activation rows, their
     * quants interleaved from {@code xb} ({@link Activations#panel8X8()}): as {@link #lane8} (the same operations,
     * so the same bits), with the scale products from {@link #scaleProducts8}; the accumulators go to
     * {@code sc[128·lane + 16·t + r]}. Per block the lane's int vector is unpacked once for eight rows, and the
     * eight broadcasts of an element share one index.
     */
    private static void lane8x8(MemorySegment p, long base, int nb, float[] x8, int xb, int lane, float[] sp, float[] sc) {
        for (int h = 0; h < Panels.ROWS; h += L) {
            long io = 64 + 64L * lane + 4L * h;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector a6 = FloatVector.zero(F);
            FloatVector a7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                IntVector v = IntVector.fromMemorySegment(I, p, base + (long) RB8 * b + io, LE);
                int x = xb + 8 * (32 * b + 4 * lane);
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                FloatVector s3 = FloatVector.zero(F);
                FloatVector s4 = FloatVector.zero(F);
                FloatVector s5 = FloatVector.zero(F);
                FloatVector s6 = FloatVector.zero(F);
                FloatVector s7 = FloatVector.zero(F);
                for (int j = 0; j < 4; j++, x += 8) { // byte j to the top byte, the rest cleared: q · 2^24
                    FloatVector w = (FloatVector) v.lanewise(VectorOperators.LSHL, 24 - 8 * j).and(0xFF000000).convert(VectorOperators.I2F, 0);
                    s0 = w.fma(FloatVector.broadcast(F, x8[x]), s0);
                    s1 = w.fma(FloatVector.broadcast(F, x8[x + 1]), s1);
                    s2 = w.fma(FloatVector.broadcast(F, x8[x + 2]), s2);
                    s3 = w.fma(FloatVector.broadcast(F, x8[x + 3]), s3);
                    s4 = w.fma(FloatVector.broadcast(F, x8[x + 4]), s4);
                    s5 = w.fma(FloatVector.broadcast(F, x8[x + 5]), s5);
                    s6 = w.fma(FloatVector.broadcast(F, x8[x + 6]), s6);
                    s7 = w.fma(FloatVector.broadcast(F, x8[x + 7]), s7);
                }
                int so = 8 * b * Panels.ROWS + h;
                a0 = s0.fma(FloatVector.fromArray(F, sp, so), a0);
                a1 = s1.fma(FloatVector.fromArray(F, sp, so + 16), a1);
                a2 = s2.fma(FloatVector.fromArray(F, sp, so + 32), a2);
                a3 = s3.fma(FloatVector.fromArray(F, sp, so + 48), a3);
                a4 = s4.fma(FloatVector.fromArray(F, sp, so + 64), a4);
                a5 = s5.fma(FloatVector.fromArray(F, sp, so + 80), a5);
                a6 = s6.fma(FloatVector.fromArray(F, sp, so + 96), a6);
                a7 = s7.fma(FloatVector.fromArray(F, sp, so + 112), a7);
            }
            int q = 128 * lane + h;
            a0.intoArray(sc, q);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
            a4.intoArray(sc, q + 64);
            a5.intoArray(sc, q + 80);
            a6.intoArray(sc, q + 96);
            a7.intoArray(sc, q + 112);
        }
    }

    /**
     * The results of {@code m} activation rows from their 8 lanes in {@code sc}, {@code ls} apart (see {@link #lane8},
     * {@link #lane8x8}):
     * {@code ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))}, {@code hsum_float_8}'s order.
     */
    private static void hsum(float[] sc, int m, int ls, float[] out, int outIdx, int outStride) {
        for (int t = 0; t < m; t++) {
            for (int h = 0; h < Panels.ROWS; h += L) {
                int q = 16 * t + h;
                FloatVector l0 = FloatVector.fromArray(F, sc, q);
                FloatVector l1 = FloatVector.fromArray(F, sc, q + ls);
                FloatVector l2 = FloatVector.fromArray(F, sc, q + 2 * ls);
                FloatVector l3 = FloatVector.fromArray(F, sc, q + 3 * ls);
                FloatVector l4 = FloatVector.fromArray(F, sc, q + 4 * ls);
                FloatVector l5 = FloatVector.fromArray(F, sc, q + 5 * ls);
                FloatVector l6 = FloatVector.fromArray(F, sc, q + 6 * ls);
                FloatVector l7 = FloatVector.fromArray(F, sc, q + 7 * ls);
                l0.add(l4).add(l2.add(l6)).add(l1.add(l5).add(l3.add(l7))).intoArray(out, outIdx + t * outStride + h);
            }
        }
    }

    // ------------------------------------------------------------------ Q5_0

    private static final int RB5 = Q5Panels.BLOCK_BYTES;

    static void multiply5(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                          int groupStart, int groupEnd) {
        int nb = cols / 32;
        Objects.checkFromToIndex(groupStart, groupEnd, rows / Panels.ROWS);
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Objects.checkFromIndexSize(0, n * cols, a.panel5().length);
        Objects.checkFromIndexSize(0, n * cols / 4, a.panel5Bias().length);
        Objects.checkFromIndexSize(0, (long) groupEnd * nb * RB5, panels.byteSize());
        float[] af = a.panel5();
        float[] bias = a.panel5Bias();
        float[] sc = LANES.get();
        float[] sp = n >= 8 ? scaleScratch(nb) : null;
        if (n >= 8) {
            Objects.checkFromIndexSize(0, n / 8 * 8 * cols, a.panel5X8().length);
            Objects.checkFromIndexSize(0, n / 8 * 8 * cols / 4, a.panel5BiasX8().length);
        }
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * RB5;
            int t = 0;
            for (; t + 8 <= n; t += 8) { // eight rows at a time, as for Q8_0
                scaleProducts8(panels, base, RB5, nb, a.d(), t * nb, nb, sp);
                for (int lane = 0; lane < 6; lane++) {
                    lane5x8(panels, base, nb, a.panel5X8(), t * cols, a.panel5BiasX8(), t * nb, lane, sp, sc);
                }
                lane67x8(panels, base, nb, a.panel5X8(), t * cols, a.panel5BiasX8(), t * nb, 0, sp, sc);
                lane67x8(panels, base, nb, a.panel5X8(), t * cols, a.panel5BiasX8(), t * nb, 1, sp, sc);
                hsum(sc, 8, 128, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; n - t >= 3; t += 4) { // four rows at a time, a last chunk of three too
                int m = Math.min(4, n - t);
                int k0 = t * nb;
                int k1 = k0 + nb * Math.min(1, m - 1);
                int k2 = k0 + nb * Math.min(2, m - 1);
                int k3 = k0 + nb * Math.min(3, m - 1);
                for (int lane = 0; lane < 6; lane++) {
                    lane5(panels, base, nb, af, bias, a.d(), k0, k1, k2, k3, lane, sc);
                }
                lane5x(panels, base, nb, af, bias, a.d(), k0, k1, k2, k3, 0, sc);
                lane5x(panels, base, nb, af, bias, a.d(), k0, k1, k2, k3, 1, sc);
                hsum(sc, m, 64, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t < n; t++) { // the group's weights are in cache for the second row
                one5(panels, base, nb, af, bias, a.d(), t * nb, out, outOffset + t * rows + g * Panels.ROWS, sc);
            }
        }
    }

    /**
     * ggml lane {@code lane} (0..5) of the 16 Q5_0 rows of the group at {@code base} with eight activation rows, their
     * quants interleaved from {@code xb} ({@link Activations#panel5X8()}), row t's blocks from {@code k0 + t·as}: the
     * operations of {@link #lane5}, so the same bits, with the scale products of {@link #scaleProducts8}; the
     * accumulators go to {@code sc[128·lane + 16·t + r]}.
     */
    private static void lane5x8(MemorySegment p, long base, int nb, float[] x8, int xb, float[] biasX8, int k0, int lane, float[] sp,
                                 float[] sc) {
        int mask = 0x1F << (5 * lane);
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector a6 = FloatVector.zero(F);
            FloatVector a7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int bo = 8 * k0 + 64 * b + 8 * lane; // biasX8: the eight rows side by side
                // the lane sums start at −16·Σq, the fields' offset (see Q5Panels)
                FloatVector s0 = FloatVector.broadcast(F, biasX8[bo + 0]);
                FloatVector s1 = FloatVector.broadcast(F, biasX8[bo + 1]);
                FloatVector s2 = FloatVector.broadcast(F, biasX8[bo + 2]);
                FloatVector s3 = FloatVector.broadcast(F, biasX8[bo + 3]);
                FloatVector s4 = FloatVector.broadcast(F, biasX8[bo + 4]);
                FloatVector s5 = FloatVector.broadcast(F, biasX8[bo + 5]);
                FloatVector s6 = FloatVector.broadcast(F, biasX8[bo + 6]);
                FloatVector s7 = FloatVector.broadcast(F, biasX8[bo + 7]);
                int x = xb + 8 * (32 * b + lane);
                for (int j = 0; j < 4; j++, x += 48) { // element j of the lane: field `lane` of int j
                    FloatVector w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 64 + 64L * j, LE).and(mask).convert(VectorOperators.I2F, 0);
                    s0 = w.fma(FloatVector.broadcast(F, x8[x + 0]), s0);
                    s1 = w.fma(FloatVector.broadcast(F, x8[x + 1]), s1);
                    s2 = w.fma(FloatVector.broadcast(F, x8[x + 2]), s2);
                    s3 = w.fma(FloatVector.broadcast(F, x8[x + 3]), s3);
                    s4 = w.fma(FloatVector.broadcast(F, x8[x + 4]), s4);
                    s5 = w.fma(FloatVector.broadcast(F, x8[x + 5]), s5);
                    s6 = w.fma(FloatVector.broadcast(F, x8[x + 6]), s6);
                    s7 = w.fma(FloatVector.broadcast(F, x8[x + 7]), s7);
                }
                int so = 8 * b * Panels.ROWS + h;
                a0 = s0.fma(FloatVector.fromArray(F, sp, so + 0), a0);
                a1 = s1.fma(FloatVector.fromArray(F, sp, so + 16), a1);
                a2 = s2.fma(FloatVector.fromArray(F, sp, so + 32), a2);
                a3 = s3.fma(FloatVector.fromArray(F, sp, so + 48), a3);
                a4 = s4.fma(FloatVector.fromArray(F, sp, so + 64), a4);
                a5 = s5.fma(FloatVector.fromArray(F, sp, so + 80), a5);
                a6 = s6.fma(FloatVector.fromArray(F, sp, so + 96), a6);
                a7 = s7.fma(FloatVector.fromArray(F, sp, so + 112), a7);
            }
            int q = 128 * lane + h;
            a0.intoArray(sc, q + 0);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
            a4.intoArray(sc, q + 64);
            a5.intoArray(sc, q + 80);
            a6.intoArray(sc, q + 96);
            a7.intoArray(sc, q + 112);
        }
    }

    /**
     * ggml lane {@code 6 + e} of the 16 Q5_0 rows of the group at {@code base} with eight activation rows: as
     * {@link #lane5x8}, the operations of {@link #lane5x}.
     */
    private static void lane67x8(MemorySegment p, long base, int nb, float[] x8, int xb, float[] biasX8, int k0, int lane, float[] sp,
                                 float[] sc) {
        int e = lane;
        lane = 6 + e;
        int mask = 0xF << (4 * e);
        int shift = 26 - 3 * e;
        int bit = 0x10 << (4 * e);
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector a4 = FloatVector.zero(F);
            FloatVector a5 = FloatVector.zero(F);
            FloatVector a6 = FloatVector.zero(F);
            FloatVector a7 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int bo = 8 * k0 + 64 * b + 8 * lane; // biasX8: the eight rows side by side
                // the lane sums start at −16·Σq, the fields' offset (see Q5Panels)
                FloatVector s0 = FloatVector.broadcast(F, biasX8[bo + 0]);
                FloatVector s1 = FloatVector.broadcast(F, biasX8[bo + 1]);
                FloatVector s2 = FloatVector.broadcast(F, biasX8[bo + 2]);
                FloatVector s3 = FloatVector.broadcast(F, biasX8[bo + 3]);
                FloatVector s4 = FloatVector.broadcast(F, biasX8[bo + 4]);
                FloatVector s5 = FloatVector.broadcast(F, biasX8[bo + 5]);
                FloatVector s6 = FloatVector.broadcast(F, biasX8[bo + 6]);
                FloatVector s7 = FloatVector.broadcast(F, biasX8[bo + 7]);
                IntVector nib = IntVector.fromMemorySegment(I, p, o + 320, LE);
                int x = xb + 8 * (32 * b + 24 + 4 * e);
                for (int j = 0; j < 4; j++, x += 8) { // the nibble from byte j of int 4, the fifth bit from bit 30 + e of int j
                    FloatVector w = (FloatVector) nib.and(mask).or(IntVector.fromMemorySegment(I, p, o + 64 + 64L * j, LE).lanewise(VectorOperators.LSHR, shift).and(bit))
                            .convert(VectorOperators.I2F, 0);
                    nib = nib.lanewise(VectorOperators.LSHR, 8);
                    s0 = w.fma(FloatVector.broadcast(F, x8[x + 0]), s0);
                    s1 = w.fma(FloatVector.broadcast(F, x8[x + 1]), s1);
                    s2 = w.fma(FloatVector.broadcast(F, x8[x + 2]), s2);
                    s3 = w.fma(FloatVector.broadcast(F, x8[x + 3]), s3);
                    s4 = w.fma(FloatVector.broadcast(F, x8[x + 4]), s4);
                    s5 = w.fma(FloatVector.broadcast(F, x8[x + 5]), s5);
                    s6 = w.fma(FloatVector.broadcast(F, x8[x + 6]), s6);
                    s7 = w.fma(FloatVector.broadcast(F, x8[x + 7]), s7);
                }
                int so = 8 * b * Panels.ROWS + h;
                a0 = s0.fma(FloatVector.fromArray(F, sp, so + 0), a0);
                a1 = s1.fma(FloatVector.fromArray(F, sp, so + 16), a1);
                a2 = s2.fma(FloatVector.fromArray(F, sp, so + 32), a2);
                a3 = s3.fma(FloatVector.fromArray(F, sp, so + 48), a3);
                a4 = s4.fma(FloatVector.fromArray(F, sp, so + 64), a4);
                a5 = s5.fma(FloatVector.fromArray(F, sp, so + 80), a5);
                a6 = s6.fma(FloatVector.fromArray(F, sp, so + 96), a6);
                a7 = s7.fma(FloatVector.fromArray(F, sp, so + 112), a7);
            }
            int q = 128 * lane + h;
            a0.intoArray(sc, q + 0);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
            a4.intoArray(sc, q + 64);
            a5.intoArray(sc, q + 80);
            a6.intoArray(sc, q + 96);
            a7.intoArray(sc, q + 112);
        }
    }

    /**
     * One activation row (blocks from {@code ab}) with the 16 Q5_0 rows of the group at {@code base}: the 8 lane
     * sums of a block start at the activations' bias and take the fields of the block's five ints (see
     * {@link Q5Panels}); then {@code c_p = fma(dw·dq, lane_p, c_p)} block after block, and the {@code hsum_float_8}
     * order at the end. In two passes over the group's blocks (the second reads them from cache): {@link #low5}
     * leaves lanes 0..5 in {@code sc}, {@link #high5} runs lanes 6 and 7 and adds up. The pass that streams the
     * weights from memory is the one with the most arithmetic a byte, which then overlaps the loads: with lanes 6
     * and 7 first, qwen2.5-0.5b Q4_K_M (mostly Q5_0) decoded at 37.5–37.9 tokens/s on two threads, this order
     * 46.2–49.0 (alternating runs, AMD EPYC with AVX-512). All 8 lanes in one method are
     * some 80 Vector API calls, the size at which C2 may inline the Vector API late and box every vector (it did, in
     * a JVM where other models had run first); a pass is at most about 55. Splitting 6 + 2 rather than 4 + 4 keeps
     * the lanes' unpacking as cheap as in one pass (measured 4 + 4: a third slower).
     */
    private static void one5(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int ab, float[] out, int outIdx,
                             float[] sc) {
        low5(p, base, nb, af, bias, d, ab, sc);
        high5(p, base, nb, af, bias, d, ab, out, outIdx, sc);
    }

    /** Lanes 6 and 7 of {@link #one5}, then the row sums with lanes 0..5 from {@link #low5}. */
    private static void high5(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int ab, float[] out, int outIdx,
                              float[] sc) {
        java.util.Arrays.fill(sc, 6 * Panels.ROWS, 8 * Panels.ROWS, 0f);
        for (int h = 0; h < Panels.ROWS; h += L) {
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int ao = (ab + b) * 32;
                int bo = (ab + b) * 8;
                FloatVector s6 = FloatVector.broadcast(F, bias[bo + 6]);
                FloatVector s7 = FloatVector.broadcast(F, bias[bo + 7]);
                IntVector nib = IntVector.fromMemorySegment(I, p, o + 320, LE); // element j's nibbles of lanes 6, 7 at bits 8j..8j+7
                for (int j = 0; j < 4; j++) {
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * j, LE);
                    // the nibble from int 4, the fifth bit from bit 30 (31) of int j: u and 16·u
                    s6 = ((FloatVector) nib.and(0xF).or(v.lanewise(VectorOperators.LSHR, 26).and(0x10)).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 24 + j]), s6);
                    s7 = ((FloatVector) nib.and(0xF0).or(v.lanewise(VectorOperators.LSHR, 23).and(0x100)).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(F, af[ao + 28 + j]), s7);
                    nib = nib.lanewise(VectorOperators.LSHR, 8);
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE).mul(d[ab + b]);
                // through sc, not carried around the block loop in vectors, as in VectorPairPanelKernels.one (which see:
                // tried against a boxing that C2 now and then compiled for good, not the cure)
                scale.fma(s6, FloatVector.fromArray(F, sc, 6 * Panels.ROWS + h)).intoArray(sc, 6 * Panels.ROWS + h);
                scale.fma(s7, FloatVector.fromArray(F, sc, 7 * Panels.ROWS + h)).intoArray(sc, 7 * Panels.ROWS + h);
            }
            FloatVector c6 = FloatVector.fromArray(F, sc, 6 * Panels.ROWS + h);
            FloatVector c7 = FloatVector.fromArray(F, sc, 7 * Panels.ROWS + h);
            FloatVector c0 = FloatVector.fromArray(F, sc, h);
            FloatVector c1 = FloatVector.fromArray(F, sc, Panels.ROWS + h);
            FloatVector c2 = FloatVector.fromArray(F, sc, 2 * Panels.ROWS + h);
            FloatVector c3 = FloatVector.fromArray(F, sc, 3 * Panels.ROWS + h);
            FloatVector c4 = FloatVector.fromArray(F, sc, 4 * Panels.ROWS + h);
            FloatVector c5 = FloatVector.fromArray(F, sc, 5 * Panels.ROWS + h);
            c0.add(c4).add(c2.add(c6)).add(c1.add(c5).add(c3.add(c7))).intoArray(out, outIdx + h);
        }
    }

    /** Lanes 0..5 of {@link #one5}: their accumulators over all blocks into {@code sc[16·lane ..)}. */
    private static void low5(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int ab, float[] sc) {
        java.util.Arrays.fill(sc, 0, 6 * Panels.ROWS, 0f);
        for (int h = 0; h < Panels.ROWS; h += L) {
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int ao = (ab + b) * 32;
                int bo = (ab + b) * 8;
                FloatVector s0 = FloatVector.broadcast(F, bias[bo]);
                FloatVector s1 = FloatVector.broadcast(F, bias[bo + 1]);
                FloatVector s2 = FloatVector.broadcast(F, bias[bo + 2]);
                FloatVector s3 = FloatVector.broadcast(F, bias[bo + 3]);
                FloatVector s4 = FloatVector.broadcast(F, bias[bo + 4]);
                FloatVector s5 = FloatVector.broadcast(F, bias[bo + 5]);
                for (int j = 0; j < 4; j++) { // element j of lanes 0..5: one AND each, u · 2^5p
                    IntVector v = IntVector.fromMemorySegment(I, p, o + 64 + 64L * j, LE);
                    int x = ao + 6 * j;
                    s0 = ((FloatVector) v.and(0x1F).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x]), s0);
                    s1 = ((FloatVector) v.and(0x1F << 5).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x + 1]), s1);
                    s2 = ((FloatVector) v.and(0x1F << 10).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x + 2]), s2);
                    s3 = ((FloatVector) v.and(0x1F << 15).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x + 3]), s3);
                    s4 = ((FloatVector) v.and(0x1F << 20).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x + 4]), s4);
                    s5 = ((FloatVector) v.and(0x1F << 25).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, af[x + 5]), s5);
                }
                FloatVector scale = FloatVector.fromMemorySegment(F, p, o, LE).mul(d[ab + b]);
                // the lane totals go through sc block after block, not around the loop in vectors (see high5)
                scale.fma(s0, FloatVector.fromArray(F, sc, h)).intoArray(sc, h);
                scale.fma(s1, FloatVector.fromArray(F, sc, Panels.ROWS + h)).intoArray(sc, Panels.ROWS + h);
                scale.fma(s2, FloatVector.fromArray(F, sc, 2 * Panels.ROWS + h)).intoArray(sc, 2 * Panels.ROWS + h);
                scale.fma(s3, FloatVector.fromArray(F, sc, 3 * Panels.ROWS + h)).intoArray(sc, 3 * Panels.ROWS + h);
                scale.fma(s4, FloatVector.fromArray(F, sc, 4 * Panels.ROWS + h)).intoArray(sc, 4 * Panels.ROWS + h);
                scale.fma(s5, FloatVector.fromArray(F, sc, 5 * Panels.ROWS + h)).intoArray(sc, 5 * Panels.ROWS + h);
            }
        }
    }

    /**
     * ggml lane {@code lane} (0..5) of the 16 Q5_0 rows of the group at {@code base} with four activation rows, as
     * {@link #lane8}: element j of the lane is field {@code lane} of int j.
     */
    private static void lane5(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int k0, int k1, int k2, int k3,
                              int lane, float[] sc) {
        int mask = 0x1F << (5 * lane);
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int x0 = (k0 + b) * 32 + lane;
                int x1 = (k1 + b) * 32 + lane;
                int x2 = (k2 + b) * 32 + lane;
                int x3 = (k3 + b) * 32 + lane;
                // the lane sums start at −16·Σq, the fields' offset (see Q5Panels)
                FloatVector s0 = FloatVector.broadcast(F, bias[(k0 + b) * 8 + lane]);
                FloatVector s1 = FloatVector.broadcast(F, bias[(k1 + b) * 8 + lane]);
                FloatVector s2 = FloatVector.broadcast(F, bias[(k2 + b) * 8 + lane]);
                FloatVector s3 = FloatVector.broadcast(F, bias[(k3 + b) * 8 + lane]);
                // element j of the lane is field `lane` of int j (written out: as a loop, with the load inside, C2
                // leaves it rolled, and it ran at about two thirds of the speed)
                FloatVector w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 64, LE).and(mask).convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3]), s3);
                w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 128, LE).and(mask).convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 6]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 6]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 6]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 6]), s3);
                w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 192, LE).and(mask).convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 12]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 12]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 12]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 12]), s3);
                w = (FloatVector) IntVector.fromMemorySegment(I, p, o + 256, LE).and(mask).convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 18]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 18]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 18]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 18]), s3);
                FloatVector dw = FloatVector.fromMemorySegment(F, p, o, LE);
                a0 = s0.fma(dw.mul(d[k0 + b]), a0);
                a1 = s1.fma(dw.mul(d[k1 + b]), a1);
                a2 = s2.fma(dw.mul(d[k2 + b]), a2);
                a3 = s3.fma(dw.mul(d[k3 + b]), a3);
            }
            int q = 64 * lane + h;
            a0.intoArray(sc, q);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
        }
    }

    /** ggml lane {@code 6 + e} of the group at {@code base}, as {@link #lane5}: nibbles of int 4, fifth bits of ints 0..3. */
    private static void lane5x(MemorySegment p, long base, int nb, float[] af, float[] bias, float[] d, int k0, int k1, int k2, int k3,
                               int e, float[] sc) {
        int lane = 6 + e;
        int mask = 0xF << (4 * e);
        int shift = 26 - 3 * e;
        int bit = 0x10 << (4 * e);
        for (int h = 0; h < Panels.ROWS; h += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) RB5 * b + 4L * h;
                int x0 = (k0 + b) * 32 + 24 + 4 * e;
                int x1 = (k1 + b) * 32 + 24 + 4 * e;
                int x2 = (k2 + b) * 32 + 24 + 4 * e;
                int x3 = (k3 + b) * 32 + 24 + 4 * e;
                FloatVector s0 = FloatVector.broadcast(F, bias[(k0 + b) * 8 + lane]);
                FloatVector s1 = FloatVector.broadcast(F, bias[(k1 + b) * 8 + lane]);
                FloatVector s2 = FloatVector.broadcast(F, bias[(k2 + b) * 8 + lane]);
                FloatVector s3 = FloatVector.broadcast(F, bias[(k3 + b) * 8 + lane]);
                IntVector nib = IntVector.fromMemorySegment(I, p, o + 320, LE);
                // element j: (nibble | fifth bit << 4) · 16^e, the nibble from byte j of int 4, the fifth bit from bit
                // 30 + e of int j (written out)
                FloatVector w = (FloatVector) nib.and(mask).or(IntVector.fromMemorySegment(I, p, o + 64, LE).lanewise(VectorOperators.LSHR, shift).and(bit))
                        .convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3]), s3);
                w = (FloatVector) nib.lanewise(VectorOperators.LSHR, 8).and(mask).or(IntVector.fromMemorySegment(I, p, o + 128, LE).lanewise(VectorOperators.LSHR, shift).and(bit))
                        .convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 1]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 1]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 1]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 1]), s3);
                w = (FloatVector) nib.lanewise(VectorOperators.LSHR, 16).and(mask).or(IntVector.fromMemorySegment(I, p, o + 192, LE).lanewise(VectorOperators.LSHR, shift).and(bit))
                        .convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 2]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 2]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 2]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 2]), s3);
                w = (FloatVector) nib.lanewise(VectorOperators.LSHR, 24).and(mask).or(IntVector.fromMemorySegment(I, p, o + 256, LE).lanewise(VectorOperators.LSHR, shift).and(bit))
                        .convert(VectorOperators.I2F, 0);
                s0 = w.fma(FloatVector.broadcast(F, af[x0 + 3]), s0);
                s1 = w.fma(FloatVector.broadcast(F, af[x1 + 3]), s1);
                s2 = w.fma(FloatVector.broadcast(F, af[x2 + 3]), s2);
                s3 = w.fma(FloatVector.broadcast(F, af[x3 + 3]), s3);
                FloatVector dw = FloatVector.fromMemorySegment(F, p, o, LE);
                a0 = s0.fma(dw.mul(d[k0 + b]), a0);
                a1 = s1.fma(dw.mul(d[k1 + b]), a1);
                a2 = s2.fma(dw.mul(d[k2 + b]), a2);
                a3 = s3.fma(dw.mul(d[k3 + b]), a3);
            }
            int q = 64 * lane + h;
            a0.intoArray(sc, q);
            a1.intoArray(sc, q + 16);
            a2.intoArray(sc, q + 32);
            a3.intoArray(sc, q + 48);
        }
    }
}
