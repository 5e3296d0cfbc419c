package dev.caravel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {

    /** The greedy sample Karpathy published with stories260K (reference/stories260K.md). */
    static String publishedSample() throws IOException {
        String md = Files.readString(CliRunner.SHARED.resolve("reference/stories260K.md"));
        Matcher m = Pattern.compile("\\$ ./run stories260K/stories260K.bin -z stories260K/tok512.bin -t 0.0\\n(.*?)\\n```", Pattern.DOTALL).matcher(md);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void stories260KGreedyReproducesThePublishedSample() throws IOException {
        CliRunner.Result r = CliRunner.run("run", "-m", CliRunner.model("stories260K.gguf"), "-p", "Once upon a time",
                "-n", "200", "--temp", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String text = "Once upon a time" + r.out().stripTrailing();
        String sample = publishedSample();
        assertThat(text.length()).isGreaterThan(400);
        assertThat(sample).startsWith(text);
        assertThat(r.err()).contains("tok/s");
    }

    @Test
    void jsonOutputHasTheReferenceFieldsAndValues() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(CliRunner.SHARED.resolve("reference/llama.cpp/stories260K.p1.json").toFile());
        CliRunner.Result r = CliRunner.run("run", "-m", CliRunner.model("stories260K.gguf"), "-p", ref.get("prompt").asText(),
                "-n", "64", "--temp", "0", "--json", "--logits");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode ours = new ObjectMapper().readTree(r.out());
        assertThat(ours.get("prompt_ids")).isEqualTo(ref.get("prompt_ids"));
        assertThat(ours.get("greedy_ids")).isEqualTo(ref.get("greedy_ids"));
        assertThat(ours.get("greedy_text").asText()).isEqualTo(ref.get("greedy_text").asText());
        assertThat(ours.get("n_vocab").asInt()).isEqualTo(ref.get("n_vocab").asInt());
        assertThat(ours.get("prompt_logits").size()).isEqualTo(ref.get("prompt_logits").size());
        assertThat(ours.get("greedy_step_logits").size()).isEqualTo(4);
        double max = 0;
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < ref.get("n_vocab").asInt(); i++) {
                max = Math.max(max, Math.abs(ours.get("greedy_step_logits").get(k).get(i).asDouble()
                        - ref.get("greedy_step_logits").get(k).get(i).asDouble()));
            }
        }
        assertThat(max).isLessThan(1e-3);
    }

    @Test
    void seededSamplingIsReproducible() {
        String[] args = {"run", "-m", CliRunner.model("stories260K.gguf"), "-p", "Once upon a time", "-n", "40", "--temp", "1.0", "--seed", "42"};
        CliRunner.Result a = CliRunner.run(args);
        CliRunner.Result b = CliRunner.run(args);
        assertThat(a.exitCode()).isZero();
        assertThat(a.out()).isEqualTo(b.out());
        CliRunner.Result c = CliRunner.run("run", "-m", CliRunner.model("stories260K.gguf"), "-p", "Once upon a time", "-n", "40", "--temp", "1.0", "--seed", "43");
        assertThat(c.out()).isNotEqualTo(a.out());
    }

    @Test
    void stopStringEndsGenerationBeforeIt() {
        CliRunner.Result r = CliRunner.run("run", "-m", CliRunner.model("stories260K.gguf"), "-p", "Once upon a time",
                "-n", "200", "--temp", "0", "--stop", "Lily");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().stripTrailing()).isEqualTo(", there was a little girl named");
    }

    @Test
    void overLongPromptIsAClearErrorNotGarbage() {
        CliRunner.Result r = CliRunner.run("run", "-m", CliRunner.model("stories260K.gguf"), "-p", "Once upon a time ".repeat(100), "-c", "64");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("the prompt is").contains("context holds only 64");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void missingOrCorruptModelIsOneLineError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        CliRunner.Result missing = CliRunner.run("run", "-m", dir.resolve("nope.gguf").toString(), "-p", "x");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.gguf").contains("no such file");

        java.nio.file.Path truncated = dir.resolve("truncated.gguf");
        byte[] full = Files.readAllBytes(CliRunner.SHARED.resolve("models/stories260K.gguf"));
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length / 2));
        CliRunner.Result r = CliRunner.run("run", "-m", truncated.toString(), "-p", "x");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("caravel: ").contains("truncated.gguf");
        assertThat(r.err().lines().count()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void unknownArchitectureIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        byte[] full = Files.readAllBytes(CliRunner.SHARED.resolve("models/stories260K.gguf"));
        String s = new String(full, java.nio.charset.StandardCharsets.ISO_8859_1);
        // "llama" as the value of general.architecture: same length replacement keeps the file valid.
        int at = s.indexOf("general.architecture");
        int value = s.indexOf("llama", at);
        full[value] = 'x';
        java.nio.file.Path f = dir.resolve("xlama.gguf");
        Files.write(f, full);
        CliRunner.Result r = CliRunner.run("run", "-m", f.toString(), "-p", "x");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("unsupported architecture 'xlama'");
    }
}
