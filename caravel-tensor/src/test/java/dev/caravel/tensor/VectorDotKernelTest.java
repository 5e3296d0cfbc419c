package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.ActivationQuantizer.Flavor;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.Bytes;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tensor.kernel.ScalarDotKernels;
import dev.caravel.tensor.kernel.VectorDotKernels;
import dev.caravel.tensor.kernel.VectorWidth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Vector API kernel against its scalar twin: bit-identical ({@code Float.floatToIntBits} equal) on random
 * data, for many row lengths (odd block counts included), both entry points (one row / batched numerics), both
 * activation quantizer flavors, an activation row at a non-zero offset, realistic blocks and blocks of random
 * bytes (any scale, NaN, Inf, subnormal F16/BF16 values).
 *
 * <p>Runs at the width the JVM chose ({@link VectorWidth}); the build runs this class again with
 * {@code -Dcaravel.vector.bits=256} and {@code =128} (see caravel-tensor's pom), so every width is covered.
 */
@EnabledIf("vectorKernelsOn")
class VectorDotKernelTest {
    static boolean vectorKernelsOn() {
        return VectorWidth.enabled();
    }

    private static int[] colsFor(GgmlType type) {
        return switch (type.blockSize()) {
            case 1 -> new int[]{1, 7, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 127, 128, 130, 192, 200, 320, 896, 1000, 4864};
            case 32 -> new int[]{32, 64, 96, 160, 224, 288, 32 * 13, 896, 32 * 31, 4864};
            default -> new int[]{256, 512, 768, 1280, 256 * 7, 4864};
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void bitIdenticalWithScalarTwin(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal() * 7919L + 1);
        int checked = 0;
        for (int cols : colsFor(type)) {
            for (boolean wild : new boolean[]{false, true}) {
                // rows 4 and 8 select tinyBLAS / repacked Q4_0 where they apply, 3 the plain vec_dot variants
                for (int rows : new int[]{3, 8}) {
                    checked += compare(type, rows, cols, wild, rnd);
                }
            }
        }
        System.out.printf("%-5s: %d dot products bit-identical at %d bits%n", type, checked, VectorWidth.bits());
    }

    private static int compare(GgmlType type, int rows, int cols, boolean wild, SplittableRandom rnd) {
        int checked = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = wild ? wildWeights(type, rows, cols, rnd, arena) : DotKernelTest.randomWeights(type, rows, cols, rnd, arena);
            long rowBytes = type.byteSize(cols);
            DotKernel[][] pairs = {
                    {ScalarDotKernels.forShape(type, rows, cols), VectorDotKernels.forShape(type, rows, cols)},
                    {ScalarDotKernels.forType(type), VectorDotKernels.forType(type)}};
            GgmlType vt = pairs[0][0].vecDotType();
            assertThat(pairs[0][1].vecDotType()).isEqualTo(vt);
            assertThat(pairs[0][1].weightType()).isEqualTo(type);
            float[] x = activations(5 * cols, vt, rnd);
            for (Flavor flavor : Flavor.values()) {
                Activations a = new Activations(5 * cols);
                for (int b = 0; b < 5; b++) {
                    ActivationQuantizer.quantize(vt, flavor, x, b * cols, cols, a, b * cols);
                }
                for (int pi = 0; pi < pairs.length; pi++) {
                    DotKernel[] pair = pairs[pi];
                    // forType's batched F32/F16/BF16 kernel is tinyBLAS, which needs cols % 16 (BF16: % 32) == 0
                    boolean batchedValid = pi == 0 || type.isQuantized() || cols % (type == GgmlType.BF16 ? 32 : 16) == 0;
                    for (int r = 0; r < rows; r++) {
                        for (int b = 0; b < 2; b++) {
                            float s = pair[0].dot(w, r * rowBytes, a, b * cols, cols);
                            float v = pair[1].dot(w, r * rowBytes, a, b * cols, cols);
                            assertThat(Float.floatToIntBits(v)).as("%s (%d, %d) wild=%s %s row %d act %d: vector %s scalar %s",
                                    type, rows, cols, wild, flavor, r, b, v, s).isEqualTo(Float.floatToIntBits(s));
                            if (!batchedValid) {
                                checked++;
                                continue;
                            }
                            float sb = pair[0].dotBatched(w, r * rowBytes, a, b * cols, cols);
                            float vb = pair[1].dotBatched(w, r * rowBytes, a, b * cols, cols);
                            assertThat(Float.floatToIntBits(vb)).as("%s (%d, %d) wild=%s %s row %d act %d batched: vector %s scalar %s",
                                    type, rows, cols, wild, flavor, r, b, vb, sb).isEqualTo(Float.floatToIntBits(sb));
                            checked += 2;
                        }
                        if (batchedValid) { // four activation rows at once (rows 1..4), results strided in out
                            float[] out = new float[9];
                            pair[1].dotBatched4(w, r * rowBytes, a, cols, cols, cols, out, 1, 2);
                            for (int k = 0; k < 4; k++) {
                                float sb = pair[0].dotBatched(w, r * rowBytes, a, (1 + k) * cols, cols);
                                assertThat(Float.floatToIntBits(out[1 + 2 * k])).as("%s (%d, %d) wild=%s %s row %d act %d batched4: vector %s scalar %s",
                                        type, rows, cols, wild, flavor, r, 1 + k, out[1 + 2 * k], sb).isEqualTo(Float.floatToIntBits(sb));
                            }
                            checked += 4;
                        }
                    }
                }
            }
        }
        return checked;
    }

    /** Gaussian activations with zero runs, outliers and (for the float types) subnormal and huge values. */
    private static float[] activations(int n, GgmlType vt, SplittableRandom rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * (rnd.nextInt(8) == 0 ? 30f : 1f);
        }
        for (int i = 0; i < Math.min(n, 40); i++) {
            x[rnd.nextInt(n)] = 0f;
        }
        if (vt == GgmlType.F32 || vt == GgmlType.F16 || vt == GgmlType.BF16) {
            for (int i = 0; i < Math.min(n, 12); i++) {
                x[rnd.nextInt(n)] = (float) rnd.nextGaussian() * 1e-39f; // subnormal floats (flushed by BF16)
                x[rnd.nextInt(n)] = (float) rnd.nextGaussian() * 3e-6f;  // F16 subnormals
            }
        }
        return x;
    }

    /** Every byte random: scales of any size, NaN, Inf, subnormal halves, −128 quants. */
    private static MemorySegment wildWeights(GgmlType type, int rows, int cols, SplittableRandom rnd, Arena arena) {
        long bytes = type.byteSize(cols) * rows;
        MemorySegment seg = arena.allocate(bytes + 1).asSlice(1);
        for (long i = 0; i < bytes; i++) {
            Bytes.put8(seg, i, rnd.nextInt(256));
        }
        if (type == GgmlType.F32) { // random bit patterns would be mostly huge or NaN: keep a mix
            for (long i = 0; i < bytes / 4; i++) {
                if (rnd.nextInt(4) != 0) Bytes.putF32(seg, 4 * i, (float) rnd.nextGaussian());
            }
        }
        return seg;
    }

    @Test
    void f32ValuesMatchScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int k = 0; k <= 600; k++) {
            int n = k <= 300 ? k : 64; // and many draws of 64, an attention head, which has a kernel of its own
            float[] x = new float[n + 5];
            float[] y = new float[n + 9];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = (float) rnd.nextGaussian();
            float s = ScalarDotKernels.f32Values(x, 5, y, 9, n);
            assertThat(Float.floatToIntBits(VectorDotKernels.f32Values(x, 5, y, 9, n))).as("n=%d", n).isEqualTo(Float.floatToIntBits(s));
            assertThat(Float.floatToIntBits(Kernels.dotF32(x, 5, y, 9, n))).isEqualTo(Float.floatToIntBits(s));
            if (n % 16 == 0) {
                float t = ScalarDotKernels.f32ValuesTiny(x, 5, y, 9, n);
                assertThat(Float.floatToIntBits(VectorDotKernels.f32ValuesTiny(x, 5, y, 9, n))).as("tiny n=%d", n).isEqualTo(Float.floatToIntBits(t));
            }
        }
    }

    @Test
    void kernelsUsesTheVectorImplementation() {
        for (GgmlType t : DotKernelTest.WEIGHT_TYPES) {
            // every type has its vector kernel on whenever the Vector API is (none stays on its scalar twin)
            boolean vector = VectorWidth.enabled();
            assertThat(Kernels.vectorFor(t)).as(t.toString()).isEqualTo(vector);
            Class<?> expected = !vector
                    ? ScalarDotKernels.forType(t).getClass() : VectorDotKernels.forType(t).getClass();
            assertThat(Kernels.dot(t).getClass()).as(t.toString()).isEqualTo(expected);
        }
        assertThat(Kernels.vectorBits()).isEqualTo(VectorWidth.bits()).isIn(0, 128, 256, 512);
        String forced = System.getProperty("caravel.vector.bits");
        if (forced != null) {
            assertThat(Kernels.vectorBits()).isEqualTo(Integer.parseInt(forced));
        }
    }
}
