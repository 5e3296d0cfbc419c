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
 * The Q4_K, Q5_K and Q6_K panel kernels ({@link dev.caravel.tensor.kernel.Panels}) against the scalar twins of
 * llama.cpp's AVX2 K-quant products ({@link ScalarDotKernels#forType}) on the original rows, bit for bit: one
 * activation row and prompt chunks of several, row ranges that cut through groups, matrices whose last group is
 * partial (those rows keep the row kernels), and blocks at the extremes of the exactness bounds. Runs at every
 * vector width.
 */
class KPanelsTest {
    private static final GgmlType[] TYPES = {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    private static float[] activations(int n, int cols, SplittableRandom rnd) {
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            // now and then a large outlier, so that most quants of a block are small
            x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 40 : 1));
        }
        return x;
    }

    /** Every output of {@code w} against the twin, for the whole range and for two ranges split at {@code cut}. */
    private static int checkAgainstTwin(WeightMatrix w, float[] x, int n, int cut, MatMulScratch.Numerics numerics) {
        int rows = w.rows();
        int cols = w.cols();
        DotKernel twin = ScalarDotKernels.forShape(w.type(), rows, cols);
        MatMulScratch s = new MatMulScratch(cols, n, numerics);
        MatMul.prepare(w, x, 0, n, s);
        float[] out = new float[n * rows + 3];
        MatMul.multiplyPrepared(w, s, out, 3, 0, cut);
        MatMul.multiplyPrepared(w, s, out, 3, cut, rows);
        float[] whole = new float[n * rows];
        MatMul.multiplyPrepared(w, s, whole, 0, 0, rows);
        int checked = 0;
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                float expected = twin.dot(w.data(), w.rowOffset(r), s.activations(), t * cols, cols);
                assertThat(whole[t * rows + r]).as("%s rows=%d cols=%d n=%d t=%d r=%d", w.type(), rows, cols, n, t, r).isEqualTo(expected);
                assertThat(out[3 + t * rows + r]).as("%s split at %d: n=%d t=%d r=%d", w.type(), cut, n, t, r).isEqualTo(expected);
                checked++;
            }
        }
        return checked;
    }

    @Test
    void panelProductsEqualTheScalarTwinBitForBit() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(47);
        int checked = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : TYPES) {
                for (int rows : new int[]{16, 24, 37, 48}) {
                    for (int cols : new int[]{256, 768}) {
                        WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                        assertThat(w.panels()).as("%s rows=%d", type, rows).isNotNull();
                        for (int n : new int[]{1, 2, 3, 4, 5, 8, 9}) {
                            int cut = rows > 16 ? 20 : 8;
                            checked += checkAgainstTwin(w, activations(n, cols, rnd), n, cut, MatMulScratch.Numerics.LLAMA_CPP);
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    /** Rows of real models' length (Llama 2 7B's 11008: an odd number of superblocks) through the same checks. */
    @Test
    void longRows() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(29);
        int rows = 40;
        int cols = 11008;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : TYPES) {
                WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                for (int n : new int[]{1, 5}) {
                    checkAgainstTwin(w, activations(n, cols, rnd), n, 24, MatMulScratch.Numerics.LLAMA_CPP);
                }
            }
        }
    }

    /**
     * Blocks at the bounds the float sums must stay exact within: every quant and scale at its largest magnitude
     * and all activations at ±127, so that ggml's integer lanes reach 32·63·15·127 (Q4_K), 32·63·31·127 (Q5_K) and
     * 32·128·32·127 (Q6_K).
     */
    @Test
    void extremeBlocksStayExact() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        int rows = 32;
        int cols = 512;
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : TYPES) {
                MemorySegment seg = arena.allocate(type.byteSize(cols) * rows);
                for (long b = 0; b < (long) rows * cols / 256; b++) {
                    long o = b * type.typeSize();
                    int r = (int) (b / (cols / 256));
                    if (type == GgmlType.Q4_K || type == GgmlType.Q5_K) {
                        // rows alternate: all quants 15 (31) or a random mix; scales and mins all 63 (every bit set)
                        for (int i = 0; i < 12; i++) Bytes.put8(seg, o + 4 + i, 0xFF);
                        for (int i = 16; i < type.typeSize(); i++) Bytes.put8(seg, o + i, r % 2 == 0 ? 0xFF : rnd.nextInt(256));
                        Bytes.putF16(seg, o, 0.01f);
                        Bytes.putF16(seg, o + 2, r % 3 == 0 ? -0.002f : 0.003f);
                    } else {
                        // quants all −32 (ql = qh = 0) or 31, scales −128 or 127
                        int fill = r % 2 == 0 ? 0 : 0xFF;
                        for (int i = 0; i < 192; i++) Bytes.put8(seg, o + i, fill);
                        for (int i = 0; i < 16; i++) Bytes.put8(seg, o + 192 + i, r % 4 < 2 ? 0x80 : 0x7F);
                        Bytes.putF16(seg, o + 208, 0.001f);
                    }
                }
                WeightMatrix w = new WeightMatrix(type, seg, rows, cols);
                for (int n : new int[]{1, 4, 5}) {
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (i / cols) % 2 == 0 ? 1f : (i % 7 == 0 ? -2f : 2f);
                    }
                    checkAgainstTwin(w, x, n, 16, MatMulScratch.Numerics.LLAMA_CPP);
                }
            }
        }
    }

    /** One prepared input multiplied by a Q4_K, a Q6_K and a Q5_K matrix in turn: each fills its own activation form. */
    @Test
    void matricesOfSeveralTypesShareThePreparedActivations() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(11);
        int rows = 32;
        int cols = 512;
        int n = 3;
        try (Arena arena = Arena.ofConfined()) {
            float[] x = activations(n, cols, rnd);
            MatMulScratch s = new MatMulScratch(cols, n);
            for (int round = 0; round < 2; round++) {
                boolean first = true;
                for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K}) {
                    WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                    if (first) {
                        MatMul.prepare(w, x, 0, n, s);
                        first = false;
                    }
                    float[] out = new float[n * rows];
                    MatMul.multiplyPrepared(w, s, out, 0, 0, rows);
                    DotKernel twin = ScalarDotKernels.forType(type);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            assertThat(out[t * rows + r]).as("%s t=%d r=%d", type, t, r)
                                    .isEqualTo(twin.dot(w.data(), w.rowOffset(r), s.activations(), t * cols, cols));
                        }
                    }
                }
                x = activations(n, cols, rnd); // then again with new activations: the forms are refilled
            }
        }
    }

    @Test
    void fastNumericsUseThePanelsToo() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        SplittableRandom rnd = new SplittableRandom(43);
        int rows = 32;
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : TYPES) {
                WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                float[] x = activations(5, cols, rnd);
                float[] exact = new float[5 * rows];
                float[] fast = new float[5 * rows];
                MatMul.matmul(w, x, 0, 5, exact, 0, new MatMulScratch(cols, 5, MatMulScratch.Numerics.LLAMA_CPP));
                MatMul.matmul(w, x, 0, 5, fast, 0, new MatMulScratch(cols, 5, MatMulScratch.Numerics.FAST));
                assertThat(fast).as("%s", type).isEqualTo(exact);
            }
        }
    }

    @Test
    void steadyStatePanelProductsDoNotAllocate() {
        assumeTrue(VectorWidth.enabled(), "panels are used with the Vector API kernels only");
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(3);
        int rows = 48;
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : TYPES) {
                WeightMatrix w = new WeightMatrix(type, DotKernelTest.randomWeights(type, rows, cols, rnd, arena), rows, cols);
                float[] x = activations(5, cols, rnd);
                float[] out = new float[5 * rows];
                MatMulScratch s = new MatMulScratch(cols, 5);
                for (int i = 0; i < 3000; i++) {
                    MatMul.matmul(w, x, 0, 5, out, 0, s);
                    MatMul.matvec(w, x, 0, out, 0, s);
                }
                // the kernels are several small methods called per row group; on a busy machine C2 may take a while
                // to get to the last of them (until then C1's code allocates), hence rounds until one is clean
                long allocated = Long.MAX_VALUE;
                for (int round = 0; round < 40 && allocated >= 4096; round++) {
                    long before = bean.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 500; i++) {
                        MatMul.matmul(w, x, 0, 5, out, 0, s);
                        MatMul.matvec(w, x, 0, out, 0, s);
                    }
                    allocated = bean.getCurrentThreadAllocatedBytes() - before;
                }
                assertThat(allocated).as("%s", type).isLessThan(4096);
            }
        }
    }
}
