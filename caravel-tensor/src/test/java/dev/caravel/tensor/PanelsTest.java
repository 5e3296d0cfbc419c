package dev.caravel.tensor;

import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.ScalarDotKernels;
import dev.caravel.tensor.kernel.VectorWidth;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Q4_0 and Q8_0 panel kernels ({@link dev.caravel.tensor.kernel.Panels}) against the scalar twins of
 * llama.cpp's products ({@link ScalarDotKernels}' repacked Q4_0 and Q8_0 kernels on the original rows), bit for bit, for one row, prompt chunks, row ranges
 * that cut through groups, and matrices with a half group left over. Runs at every vector width.
 */
class PanelsTest {

    @Test
    void panelProductsEqualTheScalarTwinBitForBit() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(41);
        int checked = 0;
        try (Arena arena = Arena.ofConfined()) {
          for (GgmlType type : new GgmlType[]{GgmlType.Q4_0, GgmlType.Q8_0}) {
            for (int rows : new int[]{16, 24, 48, 72}) {
                for (int cols : new int[]{32, 96, 512}) {
                    WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                    assertThat(w.panels()).as("rows=%d", rows).isNotNull();
                    DotKernel twin = ScalarDotKernels.forShape(type, rows, cols);
                    for (int n : new int[]{1, 2, 4, 5, 9}) {
                        float[] x = new float[n * cols];
                        for (int i = 0; i < x.length; i++) {
                            // now and then a large outlier, so that most quants of a block are small
                            x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 40 : 1));
                        }
                        MatMulScratch s = new MatMulScratch(cols, n);
                        MatMul.prepare(w, x, 0, n, s);
                        float[] out = new float[n * rows + 3];
                        // a range split that cuts a group: rows below and above the cut go through the row kernel
                        int cut = rows > 16 ? 20 : 8;
                        MatMul.multiplyPrepared(w, s, out, 3, 0, cut);
                        MatMul.multiplyPrepared(w, s, out, 3, cut, rows);
                        float[] whole = new float[n * rows];
                        MatMul.multiplyPrepared(w, s, whole, 0, 0, rows);
                        for (int t = 0; t < n; t++) {
                            for (int r = 0; r < rows; r++) {
                                float expected = twin.dot(w.data(), w.rowOffset(r), s.activations(), t * cols, cols);
                                assertThat(whole[t * rows + r]).as("%s rows=%d cols=%d n=%d t=%d r=%d", type, rows, cols, n, t, r).isEqualTo(expected);
                                assertThat(out[3 + t * rows + r]).as("split at %d: t=%d r=%d", cut, t, r).isEqualTo(expected);
                                checked++;
                            }
                        }
                    }
                }
            }
          }
        }
        assertThat(checked).isGreaterThan(20_000);
    }

    @Test
    void fastNumericsUseThePanelsToo() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(43);
        int rows = 32;
        int cols = 256;
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_0, GgmlType.Q8_0})
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
            float[] x = new float[3 * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] exact = new float[3 * rows];
            float[] fast = new float[3 * rows];
            MatMul.matmul(w, x, 0, 3, exact, 0, new MatMulScratch(cols, 3, MatMulScratch.Numerics.LLAMA_CPP));
            MatMul.matmul(w, x, 0, 3, fast, 0, new MatMulScratch(cols, 3, MatMulScratch.Numerics.FAST));
            assertThat(fast).as("%s", type).isEqualTo(exact);
        }
    }

    @Test
    void steadyStatePanelProductsDoNotAllocate() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(3);
        int rows = 48;
        int cols = 256;
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_0, GgmlType.Q8_0})
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
            float[] x = new float[5 * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[5 * rows];
            MatMulScratch s = new MatMulScratch(cols, 5);
            for (int i = 0; i < 5000; i++) {
                MatMul.matmul(w, x, 0, 5, out, 0, s);
                MatMul.matvec(w, x, 0, out, 0, s);
            }
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 500; i++) {
                MatMul.matmul(w, x, 0, 5, out, 0, s);
                MatMul.matvec(w, x, 0, out, 0, s);
            }
            assertThat(bean.getCurrentThreadAllocatedBytes() - before).as("%s", type).isLessThan(4096);
        }
    }
}
