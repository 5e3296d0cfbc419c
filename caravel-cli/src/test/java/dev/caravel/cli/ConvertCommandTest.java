package dev.caravel.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code caravel export} then {@code caravel convert}: a working model again; bad input is one line. */
class ConvertCommandTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @Test
    void exportThenConvertRuns(@TempDir Path dir) {
        Path hf = dir.resolve("hf");
        CliRunner.Result e = CliRunner.run("export", "-q", MODELS.resolve("stories260K.gguf").toString(), hf.toString());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("LlamaForCausalLM, 48 tensors in 1 shard(s)");
        assertThat(hf.resolve("model.safetensors")).exists();
        assertThat(hf.resolve("tokenizer.model")).exists();
        Path out = dir.resolve("back.gguf");
        CliRunner.Result c = CliRunner.run("convert", "-q", hf.toString(), out.toString(), "--type", "Q4_K_M");
        assertThat(c.exitCode()).as(c.err()).isZero();
        assertThat(c.out()).contains("llama, Q4_K_M, 48 tensors");
        CliRunner.Result run = CliRunner.run("run", "-m", out.toString(), "-p", "Once upon a time", "-n", "8", "--temp", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("there was a little girl"); // stories260K still tells its story
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("convert", dir.resolve("missing").toString(), dir.resolve("x.gguf").toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip()).startsWith("caravel: ").contains("no such directory").doesNotContain("\n");
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"MambaForCausalLM\"]}");
        r = CliRunner.run("convert", dir.toString(), dir.resolve("x.gguf").toString());
        assertThat(r.err().strip()).isEqualTo("caravel: " + dir.resolve("config.json")
                + ": unsupported architecture 'MambaForCausalLM' (supported: BertForMaskedLM, BertModel, ChatGLMForConditionalGeneration, ChatGLMModel, GPT2LMHeadModel, "
                + "GemmaForCausalLM, Glm4ForCausalLM, LLaMAForCausalLM, LlamaForCausalLM, MistralForCausalLM, Phi3ForCausalLM, "
                + "Qwen2ForCausalLM, Qwen3ForCausalLM)");
        r = CliRunner.run("export", MODELS.resolve("stories260K.gguf").toString(), dir.resolve("o").toString(), "--dtype", "q4");
        assertThat(r.err().strip()).isEqualTo("caravel: --dtype must be f32, f16 or bf16, not 'q4'");
    }
}
