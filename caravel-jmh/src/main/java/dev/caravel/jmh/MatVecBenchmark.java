package dev.caravel.jmh;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;
import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.quant.WeightQuantizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One matrix–vector product per weight type on a Qwen2.5-0.5B-sized FFN matrix (4864 × 896):
 * activation quantization plus every row's dot product, single-threaded. Divide the matrix bytes
 * by the time for GB/s. Run with {@code -jvmArgsAppend -Dcaravel.vector=false} for the scalar twins.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatVecBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"4864"})
    public int rows;

    @Param({"896"})
    public int cols;

    private Arena arena;
    private WeightMatrix matrix;
    private float[] x;
    private float[] out;
    private MatMulScratch scratch;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        int c = cols % t.blockSize() == 0 ? cols : (cols / t.blockSize() + 1) * t.blockSize();
        SplittableRandom random = new SplittableRandom(42);
        float[] w = new float[c];
        arena = Arena.ofShared();
        long rowBytes = t.byteSize(c);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < c; i++) {
                w[i] = (float) random.nextGaussian() * 0.02f;
            }
            WeightQuantizer.quantizeRow(t, w, 0, c, data, r * rowBytes);
        }
        matrix = new WeightMatrix(t, data, rows, c);
        x = new float[c];
        for (int i = 0; i < c; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[rows];
        scratch = new MatMulScratch(c, 1, ActivationQuantizer.Flavor.X86_SIMD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matvec() {
        MatMul.matvec(matrix, x, 0, out, 0, scratch);
        return out;
    }
}
