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
}
