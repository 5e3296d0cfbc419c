package dev.caravel.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MatMulTest {
    @Test
    void matvecAndBatchedMatmulAgreeWithTheKernelForEveryType() {
        SplittableRandom rnd = new SplittableRandom(5);
        int rows = 24;
        int cols = 512;
        int n = 3;
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : DotKernelTest.WEIGHT_TYPES) {
                WeightMatrix w = new WeightMatrix(t, DotKernelTest.randomWeights(t, rows, cols, rnd, arena), rows, cols);
                float[] x = new float[n * cols + 5];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                MatMulScratch scratch = new MatMulScratch(cols, n);
                float[] out = new float[n * rows + 2];
                MatMul.matmul(w, x, 5, n, out, 2, scratch);
                float[][] batched = new float[n][rows];
                for (int b = 0; b < n; b++) {
                    for (int r = 0; r < rows; r++) {
                        batched[b][r] = w.dotKernel().dotBatched(w.data(), w.rowOffset(r), scratch.activations(), b * cols, cols);
                    }
                }
                float[] single = new float[rows];
                MatMulScratch one = new MatMulScratch(cols, 1);
                for (int b = 0; b < n; b++) {
                    MatMul.matvec(w, x, 5 + b * cols, single, 0, one);
                    float[] forced = new float[rows];
                    one.setBatchNumerics(true);
                    MatMul.matvec(w, x, 5 + b * cols, forced, 0, one);
                    one.setBatchNumerics(false);
                    for (int r = 0; r < rows; r++) {
                        // a batch computes each row as dotBatched, a single row as dot (llama.cpp: tinyBLAS vs vec_dot)
                        assertThat(out[2 + b * rows + r]).as("%s b=%d r=%d", t, b, r).isEqualTo(batched[b][r]);
                        assertThat(forced[r]).as("%s b=%d r=%d batch numerics", t, b, r).isEqualTo(batched[b][r]);
                        float k = w.dotKernel().dot(w.data(), w.rowOffset(r), one.activations(), 0, cols);
                        assertThat(single[r]).isEqualTo(k);
                        if (t != GgmlType.F32 && t != GgmlType.F16 && t != GgmlType.BF16) {
                            assertThat(single[r]).as("%s: both paths sum alike", t).isEqualTo(batched[b][r]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void f32MatvecMatchesNaiveDot() throws Exception {
        try (TestGguf g = TestGguf.open("random-llama-f32.gguf")) {
            WeightMatrix w = g.tensors.get("blk.0.ffn_down.weight").matrix(); // (256, 768)
            assertThat(w.rows()).isEqualTo(256);
            assertThat(w.cols()).isEqualTo(768);
            float[] x = new float[768];
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[256];
            MatMul.matvec(w, x, 0, out, 0, new MatMulScratch(768, 1));
            float[] row = new float[768];
            for (int r = 0; r < 256; r++) {
                w.dequantizeRow(r, row, 0);
                double s = 0;
                for (int i = 0; i < 768; i++) s += (double) row[i] * x[i];
                assertThat((double) out[r]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(s))));
            }
        }
    }

    @Test
    void quantizedMatvecTracksTheF32Result() throws Exception {
        // logits-style check: Q8_0 weights x Q8_0 activations vs exact F32, relative RMS over all outputs
        try (TestGguf f = TestGguf.open("random-llama-f32.gguf"); TestGguf q = TestGguf.open("random-llama-q8_0.gguf")) {
            WeightMatrix wf = f.tensors.get("output.weight").matrix();
            WeightMatrix wq = q.tensors.get("output.weight").matrix();
            float[] x = new float[256];
            SplittableRandom rnd = new SplittableRandom(4);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] of = new float[512];
            float[] oq = new float[512];
            MatMulScratch scratch = new MatMulScratch(256, 1);
            MatMul.matvec(wf, x, 0, of, 0, scratch);
            MatMul.matvec(wq, x, 0, oq, 0, scratch);
            double num = 0;
            double den = 0;
            for (int i = 0; i < 512; i++) {
                num += (of[i] - oq[i]) * (double) (of[i] - oq[i]);
                den += of[i] * (double) of[i];
            }
            System.out.printf("Q8_0 output.weight matvec vs F32: relative RMS %.5f%n", Math.sqrt(num / den));
            assertThat(Math.sqrt(num / den)).isLessThan(0.01);
        }
    }

    @Test
    void preparedActivationsServeSeveralMatricesAndRowRanges() {
        SplittableRandom rnd = new SplittableRandom(9);
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix a = new WeightMatrix(GgmlType.Q4_K, DotKernelTest.randomWeights(GgmlType.Q4_K, 8, 256, rnd, arena), 8, 256);
            WeightMatrix b = new WeightMatrix(GgmlType.Q6_K, DotKernelTest.randomWeights(GgmlType.Q6_K, 4, 256, rnd, arena), 4, 256);
            WeightMatrix c = new WeightMatrix(GgmlType.Q8_0, DotKernelTest.randomWeights(GgmlType.Q8_0, 4, 256, rnd, arena), 4, 256);
            float[] x = new float[256];
            for (int i = 0; i < 256; i++) x[i] = (float) rnd.nextGaussian();
            MatMulScratch s = new MatMulScratch(256, 1);
            float[] full = new float[8];
            MatMul.matvec(a, x, 0, full, 0, s);
            float[] parts = new float[8];
            MatMul.prepare(a, x, 0, 1, s);
            MatMul.multiplyPrepared(a, s, parts, 0, 0, 3);
            MatMul.multiplyPrepared(a, s, parts, 0, 3, 8);
            assertThat(parts).containsExactly(full);
            float[] ob = new float[4];
            MatMul.multiplyPrepared(b, s, ob, 0, 0, 4); // same vec_dot_type (Q8_K) and cols: allowed
            assertThatThrownBy(() -> MatMul.multiplyPrepared(c, s, new float[4], 0, 0, 4))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("Q8_0");
        }
    }

    @Test
    void validation() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(144 * 4);
            assertThatThrownBy(() -> new WeightMatrix(GgmlType.Q4_K, seg, 2, 300)).hasMessageContaining("block size");
            assertThatThrownBy(() -> new WeightMatrix(GgmlType.Q4_K, seg, 5, 256)).hasMessageContaining("needs 720 bytes");
            assertThatThrownBy(() -> new WeightMatrix(GgmlType.IQ2_XXS, seg, 1, 256)).hasMessageContaining("unsupported");
            assertThatThrownBy(() -> new WeightMatrix(GgmlType.Q8_K, seg, 1, 256)).hasMessageContaining("unsupported");
            WeightMatrix w = new WeightMatrix(GgmlType.Q4_K, seg, 4, 256);
            assertThatThrownBy(() -> MatMul.matvec(w, new float[256], 0, new float[4], 0, new MatMulScratch(128, 1)))
                    .hasMessageContaining("row length 256");
            assertThatThrownBy(() -> MatMul.matmul(w, new float[512], 0, 2, new float[8], 0, new MatMulScratch(256, 1)))
                    .hasMessageContaining("batch 2");
            assertThatThrownBy(() -> MatMul.matvec(w, new float[255], 0, new float[4], 0, new MatMulScratch(256, 1)))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> MatMul.matvec(w, new float[256], 0, new float[3], 0, new MatMulScratch(256, 1)))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> w.dequantizeRow(4, new float[256], 0)).isInstanceOf(IndexOutOfBoundsException.class);
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
            float[] x = new float[5 * 512]; // five rows: the four-row batched kernels and the one-row remainder
            float[] out = new float[5 * 8];
            float[] row = new float[512];
            MatMulScratch s = new MatMulScratch(512, 5);
            Runnable all = () -> {
                for (WeightMatrix w : ws) {
                    MatMul.matmul(w, x, 0, 5, out, 0, s);
                    MatMul.matvec(w, x, 0, out, 0, s);
                    w.dequantizeRow(3, row, 0);
                }
            };
            // Warm-up: lazily allocated scratch arrays, and C2 compilation — Vector API code boxes vectors until compiled.
            for (int i = 0; i < 5000; i++) all.run();
            // Measured per type, each in its own loop: a loop over all types gets recompiled while it is being
            // measured, and the compiler's own transient allocations are not the kernels'. Each type gets a
            // settling pass first, so its own loop is compiled before it is measured.
            long allocated = 0;
            StringBuilder perType = new StringBuilder();
            for (WeightMatrix w : ws) {
                for (int pass = 0; pass < 2; pass++) {
                    long before = bean.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 200; i++) {
                        MatMul.matmul(w, x, 0, 5, out, 0, s);
                        MatMul.matvec(w, x, 0, out, 0, s);
                        w.dequantizeRow(3, row, 0);
                    }
                    if (pass == 1) {
                        long bytes = bean.getCurrentThreadAllocatedBytes() - before;
                        allocated += bytes;
                        perType.append(w.type()).append('=').append(bytes).append(' ');
                    }
                }
            }
            assertThat(allocated).as("bytes allocated by 200 rounds of matmul/matvec/dequantize per type: " + perType).isLessThan(4096);
        }
    }
}
