package dev.caravel.tools.quantize;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelQuantizerTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    /**
     * llama.cpp's {@code llama-quantize} made every reference file from the F32 one: ours must carry the
     * same tensors (order, types, bytes) and metadata, and in fact be the same file byte for byte.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "random-llama, Q8_0, q8_0", "random-llama, Q4_0, q4_0", "random-llama, Q4_1, q4_1",
            "random-llama, Q5_0, q5_0", "random-llama, Q5_1, q5_1", "random-llama, Q2_K, q2_k",
            "random-llama, Q3_K_M, q3_k_m", "random-llama, Q4_K_M, q4_k_m", "random-llama, Q5_K_M, q5_k_m",
            "random-llama, Q6_K, q6_k", "random-llama, F16, f16", "random-llama, BF16, bf16",
            "random-qwen2, Q8_0, q8_0", "random-qwen2, Q4_K_M, q4_k_m",
            "random-gpt2, Q8_0, q8_0", "random-gpt2, Q4_K_M, q4_k_m",
            "random-chatglm, Q8_0, q8_0", "random-chatglm, Q4_K_M, q4_k_m"})
    void matchesLlamaQuantize(String model, String type, String suffix, @TempDir Path dir) throws IOException {
        Path out = dir.resolve(model + "-" + suffix + ".gguf");
        Path reference = MODELS.resolve(model + "-" + suffix + ".gguf");
        ModelQuantizer.Result r = ModelQuantizer.quantize(MODELS.resolve(model + "-f32.gguf"), out, QuantType.parse(type),
                ModelQuantizer.Options.defaults().withThreads(2));
        assertThat(GgufComparison.differences(out, reference)).isEmpty();
        assertThat(Files.mismatch(out, reference)).as("whole file identical").isEqualTo(-1L);
        assertThat(r.tensors()).allSatisfy(t -> assertThat(t.rmsError()).isLessThan(0.5 * t.rms() + 1e-12));
    }

    @Test
    void threadCountDoesNotChangeTheBytesAndProgressIsPrinted(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one.gguf");
        Path many = dir.resolve("many.gguf");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ModelQuantizer.quantize(MODELS.resolve("random-llama-f32.gguf"), one, QuantType.Q4_K_M,
                ModelQuantizer.Options.defaults().withThreads(1));
        ModelQuantizer.Result r = ModelQuantizer.quantize(MODELS.resolve("random-llama-f32.gguf"), many, QuantType.Q4_K_M,
                ModelQuantizer.Options.defaults().withThreads(5).withProgress(new PrintStream(log, true, StandardCharsets.UTF_8)));
        assertThat(Files.mismatch(one, many)).isEqualTo(-1L);
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text.lines()).hasSize(21);
        assertThat(text).contains("[ 1/21] output.weight").contains("F32 -> Q6_K").contains("rms err").contains("copied");
        assertThat(r.bytesOut()).isLessThan(r.bytesIn() / 5);
        assertThat(r.fallbacks()).isZero();
    }

    @Test
    void requantizingNeedsPermissionAndThenWorks(@TempDir Path dir) throws IOException {
        Path in = MODELS.resolve("random-llama-q8_0.gguf");
        Path out = dir.resolve("q4.gguf");
        assertThatThrownBy(() -> ModelQuantizer.quantize(in, out, QuantType.Q4_0, ModelQuantizer.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--allow-requantize");
        assertThat(out).doesNotExist();
        ModelQuantizer.quantize(in, out, QuantType.Q4_0, ModelQuantizer.Options.defaults().withAllowRequantize(true));
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q4_0);
            assertThat(f.meta().requireLong("general.file_type")).isEqualTo(2);
        }
    }

    @Test
    void halfPrecisionSourcesAreConverted(@TempDir Path dir) throws IOException {
        // F16 → Q8_0 equals F32 → Q8_0 wherever F16 holds the F32 values exactly; here just check it runs
        // and that the F16 input's F32 norms are copied untouched.
        Path out = dir.resolve("q8.gguf");
        ModelQuantizer.quantize(MODELS.resolve("random-llama-f16.gguf"), out, QuantType.Q8_0, ModelQuantizer.Options.defaults());
        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(MODELS.resolve("random-llama-f16.gguf"))) {
            GgufTensorInfo norm = f.tensor("output_norm.weight");
            assertThat(norm.type()).isEqualTo(GgmlType.F32);
            assertThat(f.tensorData(norm).mismatch(src.tensorData(src.tensor("output_norm.weight")))).isEqualTo(-1L);
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q8_0);
        }
    }

    @Test
    void sameFileAndBadInputsAreRejected(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("m.gguf");
        Files.copy(MODELS.resolve("random-llama-f32.gguf"), in);
        assertThatThrownBy(() -> ModelQuantizer.quantize(in, in, QuantType.Q8_0, ModelQuantizer.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be the input");
        Path junk = dir.resolve("junk.gguf");
        Files.writeString(junk, "not a model");
        assertThatThrownBy(() -> ModelQuantizer.quantize(junk, dir.resolve("o.gguf"), QuantType.Q8_0, ModelQuantizer.Options.defaults()))
                .hasMessageContaining("not a GGUF file");
        assertThat(dir.resolve("o.gguf")).doesNotExist();
    }

    @Test
    void rowsThatFitNoQuantTypeAreRejectedClearly(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("odd.gguf");
        try (GgufWriter w = GgufWriter.create(in)) {
            w.putString("general.architecture", "llama");
            w.addTensor("blk.0.ffn_up.weight", GgmlType.F32, 40, 2);
            w.writeTensor("blk.0.ffn_up.weight", new float[80]);
        }
        assertThatThrownBy(() -> ModelQuantizer.quantize(in, dir.resolve("o.gguf"), QuantType.Q4_0, ModelQuantizer.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blk.0.ffn_up.weight").hasMessageContaining("40");
        // K-quants fall back (to F16 when even 32-blocks do not fit)
        ModelQuantizer.Result r = ModelQuantizer.quantize(in, dir.resolve("k.gguf"), QuantType.Q4_K_M, ModelQuantizer.Options.defaults());
        assertThat(r.tensors().getFirst().to()).isEqualTo(GgmlType.F16);
        assertThat(r.fallbacks()).isEqualTo(1);
    }
}
