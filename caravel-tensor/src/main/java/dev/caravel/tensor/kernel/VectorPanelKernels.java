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
 * lane per weight row, so the block sums need no horizontal reduction. At 512 bits a vector covers a group's 16 rows; narrower widths take the group in 2 or 4
 * slices of lanes (same layout, same results).
 *
 * <p>Prompt chunks and batches go eight activation rows at a time, and single rows (decoding) one at a time,
 * through the 16-bit integer kernels ({@link VectorPairPanelKernels}); the rest of a chunk four at a time here
 * ({@link #four}): per weight vector an AND (or the shift for nibble 7), an int-to-float conversion, then one FMA
 * per activation row.
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
    /**
     * Per thread: the one-row kernel's running total (one vector of lanes), kept in memory rather than carried around
     * the block loop in a vector (see {@link VectorPairPanelKernels#one}).
     */
    private static final ThreadLocal<float[]> TOTALS = ThreadLocal.withInitial(() -> new float[Panels.ROWS]);

    static void multiply4(MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset, int rows,
                         int groupStart, int groupEnd) {
        int nb = cols / 32;
        Objects.checkFromToIndex(groupStart, groupEnd, rows / Panels.ROWS);
        Objects.checkFromIndexSize(outOffset, n * rows, out.length);
        Objects.checkFromIndexSize(0, n * cols, a.panel().length);
        Objects.checkFromIndexSize(0, (long) groupEnd * nb * RB, panels.byteSize());
        int fourStart = Q4Panels.fourRowsStart(n);
        int oneStart = Q4Panels.oneRowsStart(n);
        Objects.checkFromIndexSize(0, fourStart * (cols / 2), a.pairsX8().length);
        Objects.checkFromIndexSize(0, n * (cols / 2), a.pairs().length);
        float[] totals = TOTALS.get();
        for (int g = groupStart; g < groupEnd; g++) {
            long base = (long) g * nb * RB;
            int t = 0;
            for (; t < fourStart; t += 8) {
                VectorPairPanelKernels.eight(panels, base, nb, a.pairsX8(), a.panelBias(), a.d(), t * cols / 2, t * nb, nb, out,
                        outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t < oneStart; t += 4) {
                four(panels, base, nb, a.panel(), a.panelBias(), a.d(), t * nb, nb, out, outOffset + t * rows + g * Panels.ROWS, rows);
            }
            for (; t < n; t++) {
                VectorPairPanelKernels.one(panels, base, nb, a.pairs(), a.panelBias(), a.d(), t * cols / 2, t * nb, out,
                        outOffset + t * rows + g * Panels.ROWS, totals);
            }
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
}
