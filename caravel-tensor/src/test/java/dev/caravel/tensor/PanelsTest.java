package dev.caravel.tensor;

import dev.caravel.tensor.kernel.Bytes;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.ScalarDotKernels;
import dev.caravel.tensor.kernel.VectorWidth;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Q4_0, Q5_0 and Q8_0 panel kernels ({@link dev.caravel.tensor.kernel.Panels}) against the scalar twins of
 * llama.cpp's products ({@link ScalarDotKernels}' repacked Q4_0, Q5_0 and Q8_0 kernels on the original rows), bit for
 * bit, for one row and for the multi-row kernels (four rows at a time, or three; one or two left take the one-row
 * kernel), continuous batching, row ranges that cut through groups, and matrices with a half group left over. Runs
 * at every vector width.
 */
class PanelsTest {

    private static final GgmlType[] TYPES = {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0};

    @Test
    void panelProductsEqualTheScalarTwinBitForBit() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(41);
        int checked = 0;
        try (Arena arena = Arena.ofConfined()) {
          for (GgmlType type : TYPES) {
            for (int rows : new int[]{16, 24, 48, 72}) {
                for (int cols : new int[]{32, 96, 512}) {
                    WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                    assertThat(w.panels()).as("rows=%d", rows).isNotNull();
                    DotKernel twin = ScalarDotKernels.forShape(type, rows, cols);
                    for (int n : new int[]{1, 2, 3, 4, 5, 7, 8, 9, 17, 24, 33}) {
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
                        // continuous batching (one-row numerics for every row): the same products
                        s.setIndependentRows(true);
                        float[] independent = new float[n * rows];
                        MatMul.multiplyPrepared(w, s, independent, 0, 0, rows);
                        s.setIndependentRows(false);
                        for (int t = 0; t < n; t++) {
                            for (int r = 0; r < rows; r++) {
                                float expected = twin.dot(w.data(), w.rowOffset(r), s.activations(), t * cols, cols);
                                assertThat(whole[t * rows + r]).as("%s rows=%d cols=%d n=%d t=%d r=%d", type, rows, cols, n, t, r).isEqualTo(expected);
                                assertThat(out[3 + t * rows + r]).as("split at %d: t=%d r=%d", cut, t, r).isEqualTo(expected);
                                assertThat(independent[t * rows + r]).as("independent rows: t=%d r=%d", t, r).isEqualTo(expected);
                                checked++;
                            }
                        }
                    }
                }
            }
          }
        }
        assertThat(checked).isGreaterThan(60_000);
    }

    @Test
    void fastNumericsUseThePanelsToo() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(43);
        int rows = 48; // whole groups: the rows of a half group left over take the FAST row kernels
        int cols = 256;
        for (GgmlType type : TYPES) {
            try (Arena arena = Arena.ofConfined()) {
                WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                for (int n : new int[]{1, 3, 5}) {
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    float[] exact = new float[n * rows];
                    float[] fast = new float[n * rows];
                    MatMul.matmul(w, x, 0, n, exact, 0, new MatMulScratch(cols, n, MatMulScratch.Numerics.LLAMA_CPP));
                    MatMul.matmul(w, x, 0, n, fast, 0, new MatMulScratch(cols, n, MatMulScratch.Numerics.FAST));
                    assertThat(fast).as("%s n=%d", type, n).isEqualTo(exact);
                }
            }
        }
    }

    /**
     * The extremes of the exact-integer argument: every Q5_0 weight at 15 or at −16 (all five bits set or clear,
     * so X and Y, spread over five ints, are all ones or all zeros), every Q8_0 weight at ±127, and activations
     * that quantize to ±127, so that the lane sums reach their largest magnitudes.
     */
    @Test
    void extremeWeightsAndActivationsStayExact() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        int rows = 40;
        int cols = 128;
        for (GgmlType type : new GgmlType[]{GgmlType.Q5_0, GgmlType.Q8_0}) {
            for (int pattern = 0; pattern < 4; pattern++) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(type.byteSize(cols) * rows);
                    long bs = type.typeSize();
                    for (long o = 0; o < data.byteSize(); o += bs) {
                        long block = o / bs;
                        boolean high = pattern == 0 || (pattern == 2 && block % 2 == 0) || (pattern == 3 && (block / 3) % 2 == 1);
                        Bytes.putF16(data, o, 0.01f * (1 + block % 7));
                        for (long i = 2; i < bs; i++) {
                            // Q5_0: qh and quant bytes all ones (15) or all zeros (−16); Q8_0: 127 or −127
                            Bytes.put8(data, o + i, type == GgmlType.Q5_0 ? (high ? 0xFF : 0) : (high ? 127 : 0x81));
                        }
                    }
                    WeightMatrix w = new WeightMatrix(type, data, rows, cols);
                    DotKernel twin = ScalarDotKernels.forShape(type, rows, cols);
                    int n = 5;
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (i / cols) % 2 == 0 ? 3f : ((i % 3 == 0) ? -2f : 2f);
                    }
                    MatMulScratch s = new MatMulScratch(cols, n);
                    MatMul.prepare(w, x, 0, n, s);
                    float[] out = new float[n * rows];
                    MatMul.multiplyPrepared(w, s, out, 0, 0, rows);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            assertThat(out[t * rows + r]).as("%s pattern %d t=%d r=%d", type, pattern, t, r)
                                    .isEqualTo(twin.dot(w.data(), w.rowOffset(r), s.activations(), t * cols, cols));
                        }
                    }
                    assertThat(s.activations().qs()).contains((byte) 127, (byte) -127);
                }
            }
        }
    }

    @Test
    void steadyStatePanelProductsDoNotAllocate() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(3);
        int rows = 48;
        int cols = 256;
        for (GgmlType type : TYPES)
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
            float[] x = new float[24 * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[24 * rows];
            MatMulScratch s = new MatMulScratch(cols, 24);
            // 24 rows: sixteen and eight at a time (prompt chunks; Q4_0 eight at a time); 5 rows: four at a time and one; 3 rows: a short
            // chunk of the four-row kernel; 1 row: decoding
            for (int i = 0; i < 5000; i++) {
                MatMul.matmul(w, x, 0, 24, out, 0, s);
                MatMul.matmul(w, x, 0, 5, out, 0, s);
                MatMul.matmul(w, x, 0, 3, out, 0, s);
                MatMul.matvec(w, x, 0, out, 0, s);
            }
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 500; i++) {
                MatMul.matmul(w, x, 0, 24, out, 0, s);
                MatMul.matmul(w, x, 0, 5, out, 0, s);
                MatMul.matmul(w, x, 0, 3, out, 0, s);
                MatMul.matvec(w, x, 0, out, 0, s);
            }
            assertThat(bean.getCurrentThreadAllocatedBytes() - before).as("%s", type).isLessThan(4096);
        }
    }
}
