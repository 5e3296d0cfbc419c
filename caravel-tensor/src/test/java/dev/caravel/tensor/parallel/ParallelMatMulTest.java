package dev.caravel.tensor.parallel;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;
import dev.caravel.tensor.quant.WeightQuantizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Splitting rows over threads must not change a single bit of the product. */
class ParallelMatMulTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void parallelEqualsSingleThreadBitForBit(GgmlType type) {
        int rows = 301;
        int cols = 512;
        SplittableRandom r = new SplittableRandom(type.ordinal());
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
        }
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            MemorySegment data = arena.allocate(type.byteSize((long) rows * cols));
            long rowBytes = type.byteSize(cols);
            for (int row = 0; row < rows; row++) {
                WeightQuantizer.quantizeRow(type, w, row * cols, cols, data, row * rowBytes);
            }
            WeightMatrix m = new WeightMatrix(type, data, rows, cols);
            int n = 3;
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] single = new float[n * rows];
            float[] parallel = new float[n * rows];
            MatMul.matmul(m, x, 0, n, single, 0, new MatMulScratch(cols, n));
            new ParallelMatMul(pool).matmul(m, x, 0, n, parallel, 0, new MatMulScratch(cols, n));
            for (int i = 0; i < single.length; i++) {
                assertThat(Float.floatToIntBits(parallel[i])).as(type + " element " + i).isEqualTo(Float.floatToIntBits(single[i]));
            }
        }
    }

    /** Panels built by the workers together (the first parallel product) hold the same bytes as panels built alone. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void panelsBuiltByTheWorkersGiveTheSameProducts(GgmlType type) {
        int rows = 304; // 19 groups of 16: an odd count, so the workers' shares differ
        int cols = 256;
        SplittableRandom r = new SplittableRandom(17 + type.ordinal());
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
        }
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            MemorySegment data = arena.allocate(type.byteSize((long) rows * cols));
            long rowBytes = type.byteSize(cols);
            for (int row = 0; row < rows; row++) {
                WeightQuantizer.quantizeRow(type, w, row * cols, cols, data, row * rowBytes);
            }
            WeightMatrix alone = new WeightMatrix(type, data, rows, cols);
            WeightMatrix together = new WeightMatrix(type, data, rows, cols);
            int n = 5;
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] parallel = new float[n * rows];
            new ParallelMatMul(pool).matmul(together, x, 0, n, parallel, 0, new MatMulScratch(cols, n));
            float[] single = new float[n * rows];
            MatMul.matmul(alone, x, 0, n, single, 0, new MatMulScratch(cols, n));
            assertThat(together.pendingPanelGroups()).isZero();
            if (together.panels() != null) {
                assertThat(together.panels().mismatch(alone.panels())).isEqualTo(-1L);
            }
            for (int i = 0; i < single.length; i++) {
                assertThat(Float.floatToIntBits(parallel[i])).as(type + " element " + i).isEqualTo(Float.floatToIntBits(single[i]));
            }
        }
    }

    /**
     * A prompt chunk's activations are converted on the workers, eight rows an item, together with the panel forms
     * of the matrices that read them: the products must be those of the serial conversion, for chunk sizes that
     * leave a partial group of 8, both numerics, and matrices of several types sharing one conversion.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void chunkActivationsConvertedOnTheWorkersGiveTheSameProducts(GgmlType type) {
        int cols = 512;
        SplittableRandom r = new SplittableRandom(31 + type.ordinal());
        // the matrices that share type's activations, as Q, K and V (or gate and up) do
        GgmlType[] shared = switch (type) {
            case Q8_0, Q4_0, Q5_0 -> new GgmlType[] {type, GgmlType.Q8_0, GgmlType.Q5_0};
            case Q4_K, Q5_K, Q6_K -> new GgmlType[] {type, GgmlType.Q6_K, GgmlType.Q4_K};
            default -> new GgmlType[] {type, type};
        };
        int[] rows = {304, 64, 96};
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix[] ws = new WeightMatrix[shared.length];
            for (int m = 0; m < shared.length; m++) {
                ws[m] = randomMatrix(arena, shared[m], rows[m], cols, r);
            }
            for (MatMulScratch.Numerics numerics : MatMulScratch.Numerics.values()) {
                for (int n : new int[] {9, 16, 21, 32}) {
                    float[] x = new float[n * cols + 7];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) r.nextGaussian();
                    }
                    MatMulScratch serial = new MatMulScratch(cols, n, numerics);
                    MatMulScratch split = new MatMulScratch(cols, n, numerics);
                    ParallelMatMul parallel = new ParallelMatMul(pool);
                    parallel.prepare(ws, ws.length, x, 7, n, split);
                    MatMul.prepare(ws[0], x, 7, n, serial);
                    assertThat(split.preparedBatch()).isEqualTo(n);
                    float[][] outs = new float[ws.length][];
                    for (int m = 0; m < ws.length; m++) {
                        outs[m] = new float[n * ws[m].rows()];
                    }
                    parallel.multiplyPreparedAll(ws, outs, ws.length, split);
                    for (int m = 0; m < ws.length; m++) {
                        float[] expected = new float[n * ws[m].rows()];
                        MatMul.multiplyPrepared(ws[m], serial, expected, 0, 0, ws[m].rows());
                        for (int i = 0; i < expected.length; i++) {
                            assertThat(Float.floatToIntBits(outs[m][i]))
                                    .as("%s %s n=%d element %d", ws[m], numerics, n, i)
                                    .isEqualTo(Float.floatToIntBits(expected[i]));
                        }
                    }
                }
            }
        }
    }

    /**
     * The first conversion into a fresh scratch, on two workers at once: the activation arrays must exist before the
     * workers write rows (a lazily allocated array could be replaced under a worker, and its rows lost). A race, so
     * many fresh scratches.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q4_0", "Q4_K", "Q4_1"})
    void firstConversionIntoAFreshScratchLosesNoRows(GgmlType type) {
        int cols = 256;
        int n = 32;
        SplittableRandom r = new SplittableRandom(77 + type.ordinal());
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            WeightMatrix[] ws = {randomMatrix(arena, type, 64, cols, r)};
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] expected = new float[n * 64];
            MatMul.matmul(ws[0], x, 0, n, expected, 0, new MatMulScratch(cols, n));
            ParallelMatMul parallel = new ParallelMatMul(pool);
            for (int round = 0; round < 300; round++) {
                float[] out = new float[n * 64];
                parallel.matmul(ws[0], x, 0, n, out, 0, new MatMulScratch(cols, n));
                for (int i = 0; i < out.length; i++) {
                    assertThat(Float.floatToIntBits(out[i])).as("%s round %d element %d", type, round, i)
                            .isEqualTo(Float.floatToIntBits(expected[i]));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void matricesThatDoNotShareActivationsAreRefused() {
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            SplittableRandom r = new SplittableRandom(5);
            WeightMatrix[] ws = {randomMatrix(arena, GgmlType.Q4_0, 32, 256, r), randomMatrix(arena, GgmlType.Q4_K, 32, 256, r)};
            float[] x = new float[16 * 256];
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> new ParallelMatMul(pool).prepare(ws, 2, x, 0, 16, new MatMulScratch(256, 16)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not share the activations");
        }
    }

    private static WeightMatrix randomMatrix(Arena arena, GgmlType type, int rows, int cols, SplittableRandom r) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
        }
        MemorySegment data = arena.allocate(type.byteSize((long) rows * cols));
        long rowBytes = type.byteSize(cols);
        for (int row = 0; row < rows; row++) {
            WeightQuantizer.quantizeRow(type, w, row * cols, cols, data, row * rowBytes);
        }
        return new WeightMatrix(type, data, rows, cols);
    }
}
