package dev.caravel.tensor;

import dev.caravel.tensor.kernel.Bytes;
import dev.caravel.tensor.quant.WeightQuantizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our weight quantizers against llama-quantize: quantizing the F32 tensors of random-llama-f32.gguf must
 * give exactly the bytes of the same-named tensor in each quantized file (where that tensor has the type
 * being tested — the _k_m mixes use several types).
 */
class WeightQuantizerTest {
    private static final java.util.Map<String, TestGguf> f32 = new java.util.concurrent.ConcurrentHashMap<>();
    private static final StringBuilder report = new StringBuilder();

    @AfterAll
    static void close() {
        f32.values().forEach(TestGguf::close);
        System.out.println("weight quantizers vs llama-quantize (identical tensors / compared, per file and type):");
        System.out.print(report);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-f16", "llama-bf16", "llama-q8_0", "llama-q4_0", "llama-q4_1", "llama-q5_0", "llama-q5_1",
            "llama-q2_k", "llama-q3_k_m", "llama-q4_k_m", "llama-q5_k_m", "llama-q6_k", "qwen2-q8_0", "qwen2-q4_k_m",
            "gpt2-q8_0", "gpt2-q4_k_m", "chatglm-q8_0", "chatglm-q4_k_m"})
    void quantizedBytesAreIdenticalToLlamaQuantize(String variant) throws Exception {
        String arch = variant.substring(0, variant.indexOf('-'));
        TestGguf source = f32.computeIfAbsent(arch, a -> {
            try {
                return TestGguf.open("random-" + a + "-f32.gguf");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (TestGguf q = TestGguf.open("random-" + variant + ".gguf")) {
            StringBuilder line = new StringBuilder(String.format("  %-15s", variant));
            java.util.Map<GgmlType, int[]> counts = new java.util.EnumMap<>(GgmlType.class); // {identical, compared, badBlocks}
            for (TestGguf.Tensor t : q.tensors.values()) {
                if (t.type() == GgmlType.F32) continue;
                assertThat(WeightQuantizer.supports(t.type())).as(t.type().toString()).isTrue();
                TestGguf.Tensor src = source.tensors.get(t.name());
                float[] x = src.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
                byte[] ours = WeightQuantizer.quantize(t.type(), x, 0, x.length);
                byte[] theirs = t.data().toArray(ValueLayout.JAVA_BYTE);
                int[] c = counts.computeIfAbsent(t.type(), k -> new int[3]);
                c[1]++;
                if (Arrays.equals(ours, theirs)) {
                    c[0]++;
                } else {
                    int bs = t.type().typeSize();
                    for (int b = 0; b < ours.length / bs; b++) {
                        if (!Arrays.equals(ours, b * bs, (b + 1) * bs, theirs, b * bs, (b + 1) * bs)) c[2]++;
                    }
                }
            }
            for (var e : counts.entrySet()) {
                line.append(String.format("  %s %d/%d", e.getKey(), e.getValue()[0], e.getValue()[1]));
                if (e.getValue()[2] > 0) line.append(String.format(" (%d blocks differ)", e.getValue()[2]));
            }
            synchronized (report) {
                report.append(line).append('\n');
            }
            for (var e : counts.entrySet()) {
                assertThat(e.getValue()[0]).as(variant + " " + e.getKey() + " identical tensors").isEqualTo(e.getValue()[1]);
            }
        }
    }

    @Test
    void roundTripOnRandomDataIsTypeAppropriate() {
        SplittableRandom rnd = new SplittableRandom(8);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        Arrays.fill(x, 512, 768, 0f); // an all-zero super-block
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q5_1, GgmlType.Q5_0, GgmlType.Q5_K, GgmlType.Q4_1,
                GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q3_K, GgmlType.Q2_K, GgmlType.F16, GgmlType.BF16, GgmlType.F32};
        double[] bound = {0.007, 0.02, 0.045, 0.05, 0.045, 0.09, 0.1, 0.09, 0.2, 0.4, 5e-4, 4e-3, 0};
        for (int k = 0; k < types.length; k++) {
            byte[] q = WeightQuantizer.quantize(types[k], x, 0, x.length);
            float[] y = new float[x.length];
            new WeightMatrix(types[k], MemorySegment.ofArray(q), 1, x.length).dequantizeRow(0, y, 0);
            double num = 0;
            double den = 0;
            for (int i = 0; i < x.length; i++) {
                num += (x[i] - y[i]) * (double) (x[i] - y[i]);
                den += x[i] * (double) x[i];
            }
            for (int i = 512; i < 768; i++) assertThat(y[i]).as(types[k] + " zero block").isZero();
            assertThat(Math.sqrt(num / den)).as(types[k].toString()).isLessThanOrEqualTo(bound[k]);
        }
        assertThat(Bytes.f16(MemorySegment.ofArray(WeightQuantizer.quantize(GgmlType.Q8_0, x, 512, 32)), 0)).isZero();
    }
}
