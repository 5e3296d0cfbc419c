package dev.caravel.cli;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QuantizeCommandTest {

    /** The acceptance criterion: llama-quantize's files, tensor by tensor (and in fact byte for byte). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "random-llama, Q8_0", "random-llama, Q4_0", "random-llama, Q4_1", "random-llama, Q5_0",
            "random-llama, Q5_1", "random-llama, Q2_K", "random-llama, Q3_K_M", "random-llama, Q4_K_M",
            "random-llama, Q5_K_M", "random-llama, Q6_K", "random-llama, F16", "random-llama, BF16",
            "random-qwen2, Q8_0", "random-qwen2, Q4_K_M", "random-gpt2, Q8_0", "random-gpt2, Q4_K_M",
            "random-chatglm, Q8_0", "random-chatglm, q4_k_m"})
    void quantizeWritesWhatLlamaQuantizeWrites(String model, String type, @TempDir Path dir) {
        Path out = dir.resolve("out.gguf");
        CliRunner.Result r = CliRunner.run("quantize", CliRunner.model(model + "-f32.gguf"), out.toString(), type, "-t", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(out.toString()).contains(" tensors, ");
        assertThat(r.err()).contains("[ 1/").contains("output.weight");
        Path reference = Path.of(CliRunner.model(model + "-" + type.toLowerCase() + ".gguf"));
        try (GgufFile a = GgufFile.open(out); GgufFile e = GgufFile.open(reference)) {
            assertThat(List.copyOf(a.tensors().keySet())).isEqualTo(List.copyOf(e.tensors().keySet()));
            for (GgufTensorInfo et : e.tensors().values()) {
                GgufTensorInfo at = a.tensor(et.name());
                assertThat(at.type()).as(et.name()).isEqualTo(et.type());
                assertThat(at.shape()).as(et.name()).isEqualTo(et.shape());
                assertThat(a.tensorData(at).mismatch(e.tensorData(et))).as(et.name() + " data").isEqualTo(-1L);
            }
        }
        assertThat(mismatch(out, reference)).as("whole file").isEqualTo(-1L);
    }

    private static long mismatch(Path a, Path b) {
        try {
            return Files.mismatch(a, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void errorsAreOneLine(@TempDir Path dir) {
        CliRunner.Result badType = CliRunner.run("quantize", CliRunner.model("random-llama-f32.gguf"), dir.resolve("o.gguf").toString(), "Q9_9");
        assertThat(badType.exitCode()).isEqualTo(1);
        assertThat(badType.err().strip()).startsWith("caravel: unknown quantization type 'Q9_9'").doesNotContain("\n");

        CliRunner.Result missing = CliRunner.run("quantize", dir.resolve("nope.gguf").toString(), dir.resolve("o.gguf").toString(), "Q8_0");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");

        CliRunner.Result requant = CliRunner.run("quantize", CliRunner.model("random-llama-q8_0.gguf"), dir.resolve("o.gguf").toString(), "Q4_0");
        assertThat(requant.exitCode()).isEqualTo(1);
        assertThat(requant.err()).contains("--allow-requantize");
        assertThat(dir.resolve("o.gguf")).doesNotExist();

        CliRunner.Result usage = CliRunner.run("quantize", CliRunner.model("random-llama-f32.gguf"));
        assertThat(usage.exitCode()).isEqualTo(2);
    }
}
