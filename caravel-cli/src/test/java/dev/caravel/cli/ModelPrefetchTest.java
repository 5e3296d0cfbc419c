package dev.caravel.cli;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelPrefetchTest {
    static final String MODEL = CliRunner.model("stories260K.gguf");

    @Test
    void findsTheModelOfModelCommandsInEverySpelling() {
        Path model = Path.of(MODEL);
        for (String command : new String[] {"run", "chat", "bench", "info"}) {
            assertThat(ModelPrefetch.modelArgument(new String[] {command, "-m", MODEL, "-p", "x"})).isEqualTo(model);
        }
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-p", "x", "--model", MODEL})).isEqualTo(model);
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "--model=" + MODEL})).isEqualTo(model);
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m=" + MODEL})).isEqualTo(model);
    }

    @Test
    void ignoresOtherCommandsAndMissingFiles(@TempDir Path dir) {
        assertThat(ModelPrefetch.modelArgument(new String[] {"tokenize", "-m", MODEL, "x"})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"help", "run", "-m", MODEL})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-p", "x"})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m"})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m", dir.resolve("nope.gguf").toString()})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m", dir.toString()})).as("a directory").isNull();
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "--", "-m", MODEL})).isNull();
        assertThat(ModelPrefetch.modelArgument(new String[0])).isNull();
    }

    @Test
    void theCommandTakesTheFileOnceAndOnlyForTheSamePath() {
        try (ModelPrefetch prefetch = ModelPrefetch.start(new String[] {"run", "-m", MODEL, "-p", "x"})) {
            assertThat(prefetch).isNotNull();
            assertThat(ModelPrefetch.take(Path.of("other.gguf"))).isNull();
            try (GgufFile file = ModelPrefetch.take(Path.of(MODEL))) {
                assertThat(file).isNotNull();
                assertThat(file.tensors()).isNotEmpty();
            }
            assertThat(ModelPrefetch.take(Path.of(MODEL))).as("taken already").isNull();
        }
        assertThat(ModelPrefetch.take(Path.of(MODEL))).as("closed").isNull();
    }

    @Test
    void anUntakenFileIsClosedAndItsErrorsSurfaceOnlyWhenTaken(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.gguf");
        Files.writeString(bad, "not a gguf file at all");
        try (ModelPrefetch ignored = ModelPrefetch.start(new String[] {"run", "-m", bad.toString()})) {
            assertThatThrownBy(() -> ModelPrefetch.take(bad)).isInstanceOf(GgufFormatException.class).hasMessageContaining("bad.gguf");
        }
        ModelPrefetch.start(new String[] {"run", "-m", bad.toString()}).close(); // error never asked for: nothing thrown
        ModelPrefetch.start(new String[] {"info", "-m", MODEL}).close();
        assertThat(ModelPrefetch.take(Path.of(MODEL))).isNull();
    }

    @Test
    void aCommandLineThatFailsLeavesNothingOpenForTheNext() {
        CliRunner.Result usage = CliRunner.run("run", "-m", MODEL);
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(ModelPrefetch.take(Path.of(MODEL))).isNull();
        CliRunner.Result r = CliRunner.run("run", "-m", MODEL, "-p", "Once upon a time", "-n", "8", "--temp", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(", there was a little girl");
    }
}
