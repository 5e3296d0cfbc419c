package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bit-exactness against ggml itself. {@code ggml-mulmat-golden.bin} holds, per weight type, an (8, cols)
 * matrix as ggml quantized it, two activation rows and the floats ggml's CPU backend returned for
 * {@code ggml_mul_mat} — once for the batch of two (llamafile tinyBLAS / repacked Q4_0 gemm) and once for the
 * first row alone (vec_dot / gemv). Produced with ggml fa8c781 (the ggml of llama.cpp c392e50), built with
 * GCC 12 {@code -O3 -march=native} and llamafile on an AVX-512 (F/BW/DQ/VL/VNNI) x86-64 machine, 2 threads;
 * Q4_0 in the CPU_AARCH64 (repacking) buffer like llama.cpp loads it. BF16 is not covered: that machine had no
 * AVX512_BF16, the reference machine did (see {@code ScalarDotKernels#bf16}).
 *
 * <p>Record layout (little-endian): int32 type id, rows, cols, n (= 2), weight byte count; the weight bytes;
 * float x[n·cols]; float yBatch[n·rows]; float yOne[rows].
 */
class GgmlGoldenTest {
    @Test
    void matmulIsBitIdenticalToGgml() throws IOException {
        int records = 0;
        try (InputStream in = GgmlGoldenTest.class.getResourceAsStream("ggml-mulmat-golden.bin")) {
            assertThat(in).isNotNull();
            ByteBuffer bb = ByteBuffer.wrap(new DataInputStream(in).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(bb.getInt()).isEqualTo(0x444c4743); // "CGLD"
            while (bb.hasRemaining()) {
                GgmlType type = GgmlType.fromId(bb.getInt());
                int rows = bb.getInt();
                int cols = bb.getInt();
                int n = bb.getInt();
                byte[] w = new byte[bb.getInt()];
                bb.get(w);
                float[] x = floats(bb, n * cols);
                float[] yBatch = floats(bb, n * rows);
                float[] yOne = floats(bb, rows);
                WeightMatrix m = new WeightMatrix(type, MemorySegment.ofArray(w), rows, cols);

                float[] out = new float[n * rows];
                MatMul.matmul(m, x, 0, n, out, 0, new MatMulScratch(cols, n, ActivationQuantizer.Flavor.X86_SIMD));
                for (int i = 0; i < out.length; i++) {
                    assertThat(out[i]).as("%s (%d, %d) batch of %d, output %d", type, rows, cols, n, i).isEqualTo(yBatch[i]);
                }

                MatMulScratch one = new MatMulScratch(cols, 1, ActivationQuantizer.Flavor.X86_SIMD);
                float[] single = new float[rows];
                MatMul.matvec(m, x, 0, single, 0, one);
                for (int r = 0; r < rows; r++) {
                    assertThat(single[r]).as("%s (%d, %d) one row, output %d", type, rows, cols, r).isEqualTo(yOne[r]);
                }
                // a single row with batch numerics = that row of the batch
                one.setBatchNumerics(true);
                MatMul.matvec(m, x, 0, single, 0, one);
                for (int r = 0; r < rows; r++) {
                    assertThat(single[r]).as("%s (%d, %d) one row, batch numerics, output %d", type, rows, cols, r).isEqualTo(yBatch[r]);
                }
                records++;
            }
        }
        assertThat(records).isEqualTo(14);
    }

    private static float[] floats(ByteBuffer bb, int n) {
        float[] f = new float[n];
        bb.asFloatBuffer().get(f);
        bb.position(bb.position() + 4 * n);
        return f;
    }
}
