package dev.caravel.tensor;

import dev.caravel.tensor.fast.FastMatMul;
import dev.caravel.tensor.fast.FloatLanes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast products against their contract ({@link FloatLanes}): for every weight type, every output equals the
 * scalar twin — the lane dot of ggml's dequantized row with the activations as llama.cpp rounds them — bit for bit, whether computed one
 * activation row at a time (fused kernels), in a batch (register tiles) or over split row ranges. The build runs
 * this class again at 512, 256 and 128 bits and with the Vector API off.
 */
class FastMatMulTest {
    private static MatMulScratch fast(int cols, int batch) {
        return new MatMulScratch(cols, batch, MatMulScratch.Numerics.FAST);
    }

    @Test
    void everyPathEqualsTheScalarTwinBitForBit() {
        SplittableRandom rnd = new SplittableRandom(11);
        int rows = 11; // not a multiple of 2 or 4: the remainder rows take the one-row paths
        int cols = 512;
        int n = 7;     // one 4-row tile and three single rows
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : DotKernelTest.WEIGHT_TYPES) {
                WeightMatrix w = new WeightMatrix(t, DotKernelTest.randomWeights(t, rows, cols, rnd, arena), rows, cols);
                float[] x = new float[n * cols + 3];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] split = new float[n * rows];
                MatMulScratch s = fast(cols, n);
                MatMul.prepare(w, x, 3, n, s);
                float[] rounded = s.floats().clone(); // the activations as llama.cpp rounds them for this type
                float[] row = new float[cols];
                float[][] want = new float[n][rows];
                for (int r = 0; r < rows; r++) {
                    w.dequantizeRow(r, row, 0);
                    for (int b = 0; b < n; b++) {
                        want[b][r] = FloatLanes.dot(row, 0, rounded, b * cols, cols);
                    }
                }
                float[] batched = new float[n * rows];
                FastMatMul.multiply(w, rounded, 0, n, batched, 0, 0, rows);
                FastMatMul.multiply(w, rounded, 0, n, split, 0, 0, 5);
                FastMatMul.multiply(w, rounded, 0, n, split, 0, 5, rows);
                for (int b = 0; b < n; b++) {
                    float[] single = new float[rows];
                    FastMatMul.multiply(w, rounded, b * cols, 1, single, 0, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        String at = t + " row " + r + " activation row " + b;
                        assertThat(Float.floatToRawIntBits(single[r])).as(at + " (one row)").isEqualTo(Float.floatToRawIntBits(want[b][r]));
                        assertThat(Float.floatToRawIntBits(batched[b * rows + r])).as(at + " (batch)").isEqualTo(Float.floatToRawIntBits(want[b][r]));
                        assertThat(Float.floatToRawIntBits(split[b * rows + r])).as(at + " (split rows)").isEqualTo(Float.floatToRawIntBits(want[b][r]));
                    }
                }
            }
        }
    }

    @Test
    void rowDequantizersEqualTheScalarOnesBitForBit() {
        SplittableRandom rnd = new SplittableRandom(5);
        int rows = 6;
        int cols = 768;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : DotKernelTest.WEIGHT_TYPES) {
                MemorySegment data = DotKernelTest.randomWeights(t, rows, cols, rnd, arena);
                long rowBytes = t.byteSize(cols);
                float[] want = new float[cols];
                float[] got = new float[cols + 5];
                for (int r = 0; r < rows; r++) {
                    dev.caravel.tensor.kernel.Kernels.dequantizer(t).dequantize(data, r * rowBytes, want, 0, cols);
                    FastMatMul.rowDequantizer(t).dequantize(data, r * rowBytes, got, 5, cols);
                    for (int i = 0; i < cols; i++) {
                        assertThat(Float.floatToRawIntBits(got[5 + i])).as(t + " row " + r + " element " + i)
                                .isEqualTo(Float.floatToRawIntBits(want[i]));
                    }
                }
            }
        }
    }

    @Test
    void rowsShorterThanTheLanesFallBackToTheScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(2);
        int rows = 3;
        int cols = 40; // F32 has no blocks: 40 is not a multiple of 16
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(GgmlType.F32, DotKernelTest.randomWeights(GgmlType.F32, rows, cols, rnd, arena), rows, cols);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[rows];
            MatMul.matvec(w, x, 0, out, 0, fast(cols, 1));
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                w.dequantizeRow(r, row, 0);
                assertThat(out[r]).isEqualTo(FloatLanes.dot(row, 0, x, 0, cols));
            }
        }
    }

    @Test
    void theLaneDotIsAnOrdinaryDotProduct() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] w = new float[1000];
        float[] x = new float[1000];
        double exact = 0;
        double mag = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
            x[i] = (float) rnd.nextGaussian();
            exact += (double) w[i] * x[i];
            mag += Math.abs((double) w[i] * x[i]);
        }
        for (int lanes : new int[]{2, 4, 8, 16}) {
            assertThat((double) FloatLanes.dot(w, 0, x, 0, 1000, lanes)).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-6 * mag));
        }
    }

    @Test
    void fastAndLlamaCppNumericsAgreeClosely() {
        // Same rounded inputs, products summed in float instead of integers: they differ in the last bits only.
        SplittableRandom rnd = new SplittableRandom(8);
        int rows = 64;
        int cols = 1024;
        double worst = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : DotKernelTest.WEIGHT_TYPES) {
                WeightMatrix w = new WeightMatrix(t, DotKernelTest.randomWeights(t, rows, cols, rnd, arena), rows, cols);
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
                float[] a = new float[rows];
                float[] b = new float[rows];
                MatMul.matvec(w, x, 0, a, 0, fast(cols, 1));
                MatMul.matvec(w, x, 0, b, 0, new MatMulScratch(cols, 1, dev.caravel.tensor.kernel.ActivationQuantizer.Flavor.X86_SIMD));
                double num = 0;
                double den = 0;
                for (int r = 0; r < rows; r++) {
                    num += (a[r] - b[r]) * (double) (a[r] - b[r]);
                    den += a[r] * (double) a[r];
                }
                // (Q4_1/Q5_1 keep their llama.cpp kernels under FAST numerics: identical)
                assertThat(Math.sqrt(num / den)).as(t.toString()).isLessThan(1e-5);
                worst = Math.max(worst, Math.sqrt(num / den));
            }
        }
    }

    @Test
    void steadyStateCallsDoNotAllocate() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix[] ws = new WeightMatrix[DotKernelTest.WEIGHT_TYPES.length];
            for (int i = 0; i < ws.length; i++) {
                GgmlType t = DotKernelTest.WEIGHT_TYPES[i];
                ws[i] = new WeightMatrix(t, DotKernelTest.randomWeights(t, 8, 512, rnd, arena), 8, 512);
            }
            float[] x = new float[5 * 512];
            float[] out = new float[5 * 8];
            MatMulScratch s = fast(512, 5);
            for (int i = 0; i < 5000; i++) {
                for (WeightMatrix w : ws) {
                    MatMul.matmul(w, x, 0, 5, out, 0, s);
                    MatMul.matvec(w, x, 0, out, 0, s);
                }
            }
            // the steady state is the contract: a type passes at the first quiet window of 200 rounds (up to six),
            // since a kernel C2 is still compiling or has just deoptimized runs boxed for a while
            long worst = 0;
            StringBuilder perType = new StringBuilder();
            for (WeightMatrix w : ws) {
                long bytes = 0;
                for (int window = 0; window < 6; window++) {
                    long before = bean.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 200; i++) {
                        MatMul.matmul(w, x, 0, 5, out, 0, s);
                        MatMul.matvec(w, x, 0, out, 0, s);
                    }
                    bytes = bean.getCurrentThreadAllocatedBytes() - before;
                    if (bytes < 1024) {
                        break;
                    }
                    perType.append(w.type()).append(" window ").append(window).append('=').append(bytes).append(' ');
                }
                worst = Math.max(worst, bytes);
            }
            assertThat(worst).as("bytes allocated by a type's last window of 200 fast matmul/matvec rounds; noisy windows: " + perType).isLessThan(1024);
        }
    }
}
