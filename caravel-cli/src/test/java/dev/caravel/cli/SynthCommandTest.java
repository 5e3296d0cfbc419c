package dev.caravel.cli;

import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SynthCommandTest {

    /** A real-size model (SmolLM2-135M shape, ~90 MB in Q4_0): written, described, loaded and run. */
    @Test
    void smollm2InQ4_0LoadsRunsAndIsDescribed(@TempDir Path dir) {
        Path out = dir.resolve("smollm2-q4_0.gguf");
        CliRunner.Result r = CliRunner.run("synth", "--preset", "smollm2-135m", "--type", "Q4_0", "--seed", "1", "-q", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("smollm2-135m, Q4_0, 272 tensors, 134.5 M parameters");

        CliRunner.Result info = CliRunner.run("info", "-m", out.toString());
        assertThat(info.exitCode()).as(info.err()).isZero();
        assertThat(info.out()).contains("architecture:  llama")
                .contains("dim 576, 30 layers, 9 heads (3 kv, head dim 64), ffn 1536, vocab 49152")
                .contains("context:       8192 tokens").contains("mostly Q4_0")
                .contains("gpt2 (pre: smollm), 49152 tokens").contains("<|im_end|>");

        try (LoadedModel m = LoadedModel.open(out)) {
            // rows of 576 are no multiple of 256: the tied embeddings fall back from Q6_K to Q8_0, as llama.cpp does
            assertThat(m.file().tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(m.file().tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.Q4_0);
            int[] prompt = m.tokenizer().encode("Once upon a time, 从前", false, false);
            GenerationResult g = m.generator().generate(m.newSequence(64), prompt,
                    GenerationRequest.of(3, SamplingParams.greedy()), (p, t) -> true);
            assertThat(g.tokens()).hasSize(3);
        }
    }

    @Test
    void tinyPresetRunsThroughRunAndChat(@TempDir Path dir) {
        Path out = dir.resolve("tiny.gguf");
        CliRunner.Result r = CliRunner.run("synth", "--preset", "test-tiny-qwen2", "--type", "q4_k_m", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("token_embd.weight");
        CliRunner.Result run = CliRunner.run("run", "-m", out.toString(), "-p", "Hello", "-n", "4", "--temp", "0", "--ignore-eos");
        assertThat(run.exitCode()).as(run.err()).isZero();
        CliRunner.Result chat = CliRunner.runWithInput("hi\n/exit\n", "chat", "-m", out.toString(), "-n", "4", "--temp", "0");
        assertThat(chat.exitCode()).as(chat.err()).isZero();
    }

    @Test
    void badPresetOrTypeIsOneLine(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("synth", "--preset", "gpt-5", dir.resolve("x.gguf").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("caravel: unknown preset 'gpt-5' (known: smollm2-135m").doesNotContain("\n");
        CliRunner.Result t = CliRunner.run("synth", "--preset", "test-tiny", "--type", "IQ2_XXS", dir.resolve("x.gguf").toString());
        assertThat(t.exitCode()).isEqualTo(1);
        assertThat(t.err()).contains("unknown quantization type");
        CliRunner.Result d = CliRunner.run("synth", "--preset", "test-tiny", dir.resolve("no/such/dir/x.gguf").toString());
        assertThat(d.exitCode()).isEqualTo(1);
        assertThat(d.err()).contains("does not exist");
    }
}
