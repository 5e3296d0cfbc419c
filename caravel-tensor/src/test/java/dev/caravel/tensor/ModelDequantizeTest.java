package dev.caravel.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dequantizes every tensor of llama.cpp-quantized random-llama files and compares with the F32 original.
 * F16/BF16 must match the F32 values rounded by our converters exactly; quantized types must be within a
 * type-appropriate relative RMS error (relRms = ‖deq − f32‖₂ / ‖f32‖₂ over all tensors of that type).
 */
class ModelDequantizeTest {
    /** Upper bounds of relative RMS error per type: about 1.2x what llama.cpp's files show (printed by the test). */
    private static final Map<GgmlType, Double> MAX_REL_RMS = new EnumMap<>(Map.ofEntries(
            Map.entry(GgmlType.F32, 0.0),
            Map.entry(GgmlType.Q8_0, 0.0065),
            Map.entry(GgmlType.Q6_K, 0.022),
            Map.entry(GgmlType.Q5_0, 0.052),
            Map.entry(GgmlType.Q5_1, 0.046),
            Map.entry(GgmlType.Q5_K, 0.044),
            Map.entry(GgmlType.Q4_0, 0.10),
            Map.entry(GgmlType.Q4_1, 0.095),
            Map.entry(GgmlType.Q4_K, 0.086),
            Map.entry(GgmlType.Q3_K, 0.18),
            Map.entry(GgmlType.Q2_K, 0.36)));

    private static TestGguf f32;
    private static final StringBuilder report = new StringBuilder();

    @BeforeAll
    static void openF32() throws Exception {
        f32 = TestGguf.open("random-llama-f32.gguf");
    }

    @AfterAll
    static void close() {
        f32.close();
        System.out.println("relative RMS error of dequantized llama.cpp files vs F32 (per file, per type):");
        System.out.print(report);
    }

    static float[] dequantizeAll(TestGguf.Tensor t) {
        WeightMatrix m = t.matrix();
        float[] out = new float[m.rows() * m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, out, r * m.cols());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k"})
    void dequantizedTensorsMatchF32(String variant) throws Exception {
        try (TestGguf q = TestGguf.open("random-llama-" + variant + ".gguf")) {
            Map<GgmlType, double[]> byType = new EnumMap<>(GgmlType.class); // {Σdiff², Σref², count}
            int tensors = 0;
            for (TestGguf.Tensor t : q.tensors.values()) {
                TestGguf.Tensor ref = f32.tensors.get(t.name());
                assertThat(ref).as(t.name()).isNotNull();
                assertThat(t.dims()).as(t.name()).containsExactly(ref.dims());
                float[] got = dequantizeAll(t);
                float[] want = dequantizeAll(ref);
                if (t.type() == GgmlType.F16 || t.type() == GgmlType.BF16) {
                    for (int i = 0; i < want.length; i++) {
                        float exp = t.type() == GgmlType.F16 ? Half.roundToF16(want[i]) : Half.roundToBf16(want[i]);
                        if (Float.floatToRawIntBits(exp) != Float.floatToRawIntBits(got[i])) {
                            throw new AssertionError(t.name() + "[" + i + "]: " + got[i] + " but F32 " + want[i] + " rounds to " + exp);
                        }
                    }
                }
                double[] acc = byType.computeIfAbsent(t.type(), k -> new double[3]);
                for (int i = 0; i < want.length; i++) {
                    double diff = (double) got[i] - want[i];
                    acc[0] += diff * diff;
                    acc[1] += (double) want[i] * want[i];
                }
                acc[2]++;
                tensors++;
            }
            assertThat(tensors).isEqualTo(f32.tensors.size());
            StringBuilder line = new StringBuilder(String.format("  %-8s", variant));
            for (var e : byType.entrySet()) {
                double rel = Math.sqrt(e.getValue()[0] / e.getValue()[1]);
                line.append(String.format("  %s(%d)=%.5f", e.getKey(), (int) e.getValue()[2], rel));
                double bound = e.getKey() == GgmlType.F16 ? 5e-4 : e.getKey() == GgmlType.BF16 ? 4e-3 : MAX_REL_RMS.get(e.getKey());
                assertThat(rel).as(variant + " " + e.getKey()).isLessThanOrEqualTo(bound);
            }
            synchronized (report) {
                report.append(line).append('\n');
            }
        }
    }
}
