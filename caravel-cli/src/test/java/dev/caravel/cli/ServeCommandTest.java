package dev.caravel.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code caravel serve}'s usage errors: one line, exit code 1, before anything listens. */
class ServeCommandTest {

    @Test
    void needsAModel() {
        CliRunner.Result r = CliRunner.run("serve", "--port", "0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("-m FILE or --models-dir");
    }

    @Test
    void badOptionsAreNamed() {
        String model = CliRunner.SHARED.resolve("models/stories260K.gguf").toString();
        assertThat(CliRunner.run("serve", "-m", model, "--parallel", "0").err()).contains("--parallel");
        assertThat(CliRunner.run("serve", "-m", model, "--alias", "a", "--alias", "b").err()).contains("--alias");
        assertThat(CliRunner.run("serve", "-m", model, "--numerics", "exact").err()).contains("--numerics");
        CliRunner.Result missing = CliRunner.run("serve", "-m", "/no/such.gguf");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("/no/such.gguf: no such file");
        assertThat(CliRunner.run("serve", "--models-dir", "/no/such/dir").err()).contains("no such directory");
    }

    @Test
    void modelNamesComeFromFileNames() {
        assertThat(ServeCommand.nameOf(java.nio.file.Path.of("/m/qwen2.5-0.5b-q4_k_m.gguf"))).isEqualTo("qwen2.5-0.5b-q4_k_m");
    }
}
