package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer.Flavor;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.Bytes;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each weight type's dot kernel against its vec_dot_type must equal (to float rounding) the double-precision
 * dot of the dequantized weight row with the dequantized activations.
 */
class DotKernelTest {
    static final GgmlType[] WEIGHT_TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    static final Map<GgmlType, GgmlType> VEC_DOT = Map.ofEntries(
            Map.entry(GgmlType.F32, GgmlType.F32), Map.entry(GgmlType.F16, GgmlType.F16), Map.entry(GgmlType.BF16, GgmlType.BF16),
            Map.entry(GgmlType.Q4_0, GgmlType.Q8_0), Map.entry(GgmlType.Q4_1, GgmlType.Q8_1), Map.entry(GgmlType.Q5_0, GgmlType.Q8_0),
            Map.entry(GgmlType.Q5_1, GgmlType.Q8_1), Map.entry(GgmlType.Q8_0, GgmlType.Q8_0), Map.entry(GgmlType.Q2_K, GgmlType.Q8_K),
            Map.entry(GgmlType.Q3_K, GgmlType.Q8_K), Map.entry(GgmlType.Q4_K, GgmlType.Q8_K), Map.entry(GgmlType.Q5_K, GgmlType.Q8_K),
            Map.entry(GgmlType.Q6_K, GgmlType.Q8_K));

    /** Random but valid blocks: random quant bytes, finite F16 scales of realistic size. */
    static MemorySegment randomWeights(GgmlType type, int rows, int cols, SplittableRandom rnd, Arena arena) {
        long rowBytes = type.byteSize(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows + 3).asSlice(3); // deliberately unaligned
        int n = rows * cols;
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) Bytes.putF32(seg, 4L * i, (float) rnd.nextGaussian()); }
            case F16 -> { for (int i = 0; i < n; i++) Bytes.putF16(seg, 2L * i, (float) rnd.nextGaussian()); }
            case BF16 -> { for (int i = 0; i < n; i++) Bytes.put16(seg, 2L * i, Half.f32ToBf16((float) rnd.nextGaussian())); }
            default -> {
                for (long i = 0; i < seg.byteSize(); i++) Bytes.put8(seg, i, rnd.nextInt(256));
                long bs = type.typeSize();
                for (long b = 0; b < n / type.blockSize(); b++) {
                    long o = b * bs;
                    float d = (float) (0.001 + rnd.nextDouble() * 0.05);
                    float m = (float) (rnd.nextDouble() * 0.5);
                    switch (type) {
                        case Q4_0, Q5_0, Q8_0 -> Bytes.putF16(seg, o, d);
                        case Q4_1, Q5_1 -> { Bytes.putF16(seg, o, d); Bytes.putF16(seg, o + 2, -m); }
                        case Q2_K -> { Bytes.putF16(seg, o + 80, d); Bytes.putF16(seg, o + 82, d / 2); }
                        case Q3_K -> Bytes.putF16(seg, o + 108, d);
                        case Q4_K, Q5_K -> { Bytes.putF16(seg, o, d); Bytes.putF16(seg, o + 2, d / 3); }
                        case Q6_K -> Bytes.putF16(seg, o + 208, d / 8);
                        default -> throw new AssertionError(type);
                    }
                }
            }
        }
        return seg;
    }

    /** The activations exactly as the kernels see them, as floats. */
    static float[] dequantizedActivations(GgmlType t, Activations a, int off, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int e = off + i;
            y[i] = switch (t) {
                case F32 -> a.f32()[e];
                case F16 -> Half.f16ToF32(a.half()[e]);
                case BF16 -> Half.bf16ToF32(a.half()[e]);
                case Q8_0, Q8_1 -> a.d()[e / 32] * a.qs()[e];
                case Q8_K -> a.d()[e / 256] * a.qs()[e];
                default -> throw new AssertionError(t);
            };
        }
        return y;
    }

    /** Checks kernel(row) against the dequantized double dot; returns the relative error seen. */
    static double checkRow(WeightMatrix w, int row, MatMulScratch scratch, int batchIndex) {
        int cols = w.cols();
        float[] wr = new float[cols];
        w.dequantizeRow(row, wr, 0);
        Activations a = scratch.activations();
        GgmlType vt = w.vecDotType();
        float[] y = dequantizedActivations(vt, a, batchIndex * cols, cols);
        double exact = 0;
        double mag = 0;
        for (int i = 0; i < cols; i++) {
            exact += (double) wr[i] * y[i];
            mag += Math.abs((double) wr[i] * y[i]);
        }
        // Q8_1's s = F16(d·Σq) uses the unrounded d: allow for it against the dequantized activations
        double sSlack = 0;
        if (vt == GgmlType.Q8_1) {
            for (int b = 0; b < cols / 32; b++) {
                float m = Bytes.f16(w.data(), w.rowOffset(row) + b * (long) w.type().typeSize() + 2);
                sSlack += Math.abs(m) * Math.abs(a.s()[batchIndex * cols / 32 + b]) * 0x1.0p-9;
            }
        }
        float got = w.dotKernel().dot(w.data(), w.rowOffset(row), a, batchIndex * cols, cols);
        double err = Math.abs(got - exact);
        assertThat(err).as("%s row %d: kernel %s vs exact %s", w.type(), row, got, exact)
                .isLessThanOrEqualTo(3e-6 * mag + sSlack + 1e-30);
        return mag == 0 ? 0 : err / mag;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kernelMatchesDequantizedDotOnRandomData(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal() * 31L + 7);
        int rows = 16;
        int cols = 1024;
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(type, randomWeights(type, rows, cols, rnd, arena), rows, cols);
            assertThat(w.vecDotType()).isEqualTo(VEC_DOT.get(type));
            assertThat(Kernels.vecDotType(type)).isEqualTo(VEC_DOT.get(type));
            float[] x = ActivationQuantizerTest.randomActivations(rnd, 2 * cols);
            for (Flavor flavor : Flavor.values()) {
                MatMulScratch scratch = new MatMulScratch(cols, 2, flavor);
                MatMul.prepare(w, x, 0, 2, scratch);
                double worst = 0;
                for (int r = 0; r < rows; r++) {
                    worst = Math.max(worst, checkRow(w, r, scratch, 0));
                    worst = Math.max(worst, checkRow(w, r, scratch, 1));
                }
                System.out.printf("random %-5s · %-5s (%s): worst relative error %.2e%n", type, w.vecDotType(), flavor, worst);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k"})
    void kernelMatchesDequantizedDotOnModelRows(String variant) throws Exception {
        SplittableRandom rnd = new SplittableRandom(variant.hashCode());
        try (TestGguf g = TestGguf.open("random-llama-" + variant + ".gguf")) {
            for (TestGguf.Tensor t : g.tensors.values()) {
                if (t.dims().length != 2) continue;
                WeightMatrix w = t.matrix();
                float[] x = new float[w.cols()];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                MatMulScratch scratch = new MatMulScratch(w.cols(), 1);
                MatMul.prepare(w, x, 0, 1, scratch);
                for (int r = 0; r < w.rows(); r += 7) {
                    checkRow(w, r, scratch, 0);
                }
            }
        }
    }

    @Test
    void kernelsAreRegisteredForEverySupportedType() {
        for (GgmlType t : WEIGHT_TYPES) {
            DotKernel k = Kernels.dot(t);
            assertThat(k.weightType()).isEqualTo(t);
            assertThat(t.supported()).isTrue();
        }
    }
}
