package dev.caravel.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ToolCommandsTest {

    @Test
    void tokenizeIdsMatchesLlamaCppConvention() {
        // From reference/llama.cpp/stories260K.p1.json: prompt_ids minus the BOS.
        CliRunner.Result r = CliRunner.run("tokenize", "-m", CliRunner.model("stories260K.gguf"), "--ids", "Once upon a time");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).matches("[0-9]+( [0-9]+)*");
        assertThat(r.out().strip().split(" ")).hasSizeGreaterThan(1);
    }

    @Test
    void tokenizeAcceptsTokenizerJson() {
        CliRunner.Result r = CliRunner.run("tokenize", "-m", CliRunner.SHARED.resolve("tokenizers/qwen3/tokenizer.json").toString(),
                "--ids", "Hello world");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("9707 1879");
    }

    @Test
    void templateRenderPrintsExactlyTheRendering(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path t = dir.resolve("t.jinja");
        Files.writeString(t, "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}");
        Path c = dir.resolve("c.json");
        Files.writeString(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"你好\"}],\"add_generation_prompt\":true}");
        CliRunner.Result r = CliRunner.run("template", "render", t.toString(), c.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("<user>你好<assistant>");
    }

    @Test
    void templateErrorExitsOneWithMessage(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path t = dir.resolve("t.jinja");
        Files.writeString(t, "{{ raise_exception('Conversation roles must alternate') }}");
        Path c = dir.resolve("c.json");
        Files.writeString(c, "{\"messages\":[]}");
        CliRunner.Result r = CliRunner.run("template", "render", t.toString(), c.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("Conversation roles must alternate");
    }

    @Test
    void infoDescribesTheModel() {
        CliRunner.Result r = CliRunner.run("info", "-m", CliRunner.model("random-llama-q4_k_m.gguf"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("architecture:  llama").contains("Q4_K").contains("Q6_K").contains("tokenizer:").contains("vocab 512");
    }

    @Test
    void chatStreamsAnswersAndHandlesCommands() {
        String input = "Once upon a time\n/system Be brief.\n/reset\nHello\n/exit\n";
        CliRunner.Result r = CliRunner.runWithInput(input, "chat", "-m", CliRunner.model("stories260K.gguf"), "--temp", "0", "-n", "20");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("tok/s").contains("(system prompt set)").contains("(conversation cleared)");
        assertThat(r.out()).contains("> ");
    }

    @Test
    void benchReportsPromptAndGenerationSpeedAsJson() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "-m", CliRunner.model("stories260K.gguf"), "-p", "32", "-n", "16", "-r", "2", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(j.get("pp_tps").asDouble()).isPositive();
        assertThat(j.get("tg_tps").asDouble()).isPositive();
        assertThat(j.get("threads").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(j.get("model").asText()).isEqualTo("stories260K.gguf");
        assertThat(j.get("weight_bytes_per_token").asLong()).isPositive();
    }
}
