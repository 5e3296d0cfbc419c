package dev.caravel.cli;

import dev.caravel.tools.hub.FakeHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** pull, list, rm and {@code -m NAME} against a loopback Hub, with the cache in a temporary directory. */
class PullCommandTest {
    static final String REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF";
    static final String Q4 = "qwen2.5-0.5b-instruct-q4_k_m.gguf";

    @TempDir
    Path cache;

    FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub().repo(REPO, Map.of(Q4, "random-qwen2-q4_k_m.gguf",
                "qwen2.5-0.5b-instruct-q8_0.gguf", "random-qwen2-q8_0.gguf"));
        HubAccess.testConfig = hub.config(cache);
    }

    @AfterEach
    void stop() {
        HubAccess.testConfig = null;
        hub.close();
    }

    @Test
    void pullListRunAndRemoveAModelByItsShortName() throws IOException {
        CliRunner.Result pull = CliRunner.run("pull", "qwen2.5:0.5b");
        assertThat(pull.exitCode()).as(pull.err()).isZero();
        Path path = Path.of(pull.out().strip());
        assertThat(path).isEqualTo(cache.resolve("models--Qwen--Qwen2.5-0.5B-Instruct-GGUF/snapshots")
                .resolve(hub.commit(REPO)).resolve(Q4));
        assertThat(Files.readAllBytes(path)).isEqualTo(FakeHub.bytes(hub.file(REPO, Q4)));
        assertThat(pull.err()).contains("caravel: pulling " + REPO + "/" + Q4).contains("100% [########################]")
                .contains("caravel: pulled " + REPO + "/" + Q4);

        CliRunner.Result again = CliRunner.run("pull", "qwen2.5:0.5b");
        assertThat(again.err()).contains("up to date");

        CliRunner.Result list = CliRunner.run("list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).startsWith("NAME").contains("qwen2.5:0.5b").contains(Q4).contains("Q4_K_M").contains(path.toString());

        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m", "qwen2.5:0.5b"})).as("cached names are prefetched").isEqualTo(path);
        assertThat(ModelPrefetch.modelArgument(new String[] {"run", "-m", "qwen2.5:0.5b-q8_0"})).isNull();
        CliRunner.Result run = CliRunner.run("run", "-m", "qwen2.5:0.5b", "-p", "Hello", "-n", "3", "--temp", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("generated 3 tokens").doesNotContain("pulling");

        CliRunner.Result rm = CliRunner.run("rm", "qwen2.5:0.5b");
        assertThat(rm.exitCode()).as(rm.err()).isZero();
        assertThat(rm.err()).contains("removed " + REPO + "/" + Q4).contains("freed");
        assertThat(cache.resolve("models--Qwen--Qwen2.5-0.5B-Instruct-GGUF")).doesNotExist();
        assertThat(CliRunner.run("rm", "qwen2.5:0.5b").err()).contains("not in the model cache");
    }

    @Test
    void runPullsWhatIsMissingAndOfflineSaysWhatToDo() {
        CliRunner.Result offline = CliRunner.run("run", "-m", REPO + ":Q8_0", "--offline", "-p", "x", "-n", "1");
        assertThat(offline.exitCode()).isEqualTo(1);
        assertThat(offline.err()).contains("not in the model cache").contains("offline").doesNotContain("Exception");
        CliRunner.Result noDefault = CliRunner.run("run", "--offline", "-p", "x", "-n", "1");
        assertThat(noDefault.exitCode()).isEqualTo(1);
        assertThat(noDefault.err()).contains("default model").contains("-m /path/to/model.gguf");

        CliRunner.Result pulled = CliRunner.run("run", "-m", REPO + ":Q8_0", "-p", "x", "-n", "1", "--temp", "0");
        assertThat(pulled.exitCode()).as(pulled.err()).isZero();
        assertThat(pulled.err()).contains("pulling " + REPO + "/qwen2.5-0.5b-instruct-q8_0.gguf");
        CliRunner.Result byDefault = CliRunner.run("run", "-p", "x", "-n", "1", "--temp", "0");
        assertThat(byDefault.exitCode()).as(byDefault.err()).isZero();
        assertThat(byDefault.err()).contains("pulling the default model");
    }

    @Test
    void errorsAreOneClearLine() {
        hub.gated.add(REPO);
        CliRunner.Result gated = CliRunner.run("pull", REPO + "/" + Q4);
        assertThat(gated.exitCode()).isEqualTo(1);
        assertThat(gated.err().strip()).startsWith("caravel: ").doesNotContain("\n").contains("HF_TOKEN").contains("licence");
        CliRunner.Result unknown = CliRunner.run("pull", "qwen7:1b");
        assertThat(unknown.err()).contains("unknown model 'qwen7:1b'").contains("qwen2.5:0.5b");
        CliRunner.Result missing = CliRunner.run("pull", "test/Missing-GGUF");
        assertThat(missing.err().strip()).isEqualTo("caravel: repository test/Missing-GGUF not found on 127.0.0.1 (if it is private, set HF_TOKEN)");
        CliRunner.Result noFile = CliRunner.run("run", "-m", "nope.gguf", "-p", "x");
        assertThat(noFile.err()).startsWith("caravel: nope.gguf: no such file");
        assertThat(CliRunner.run("list").err()).contains("no models in");
        CliRunner.Result known = CliRunner.run("list", "--known");
        assertThat(known.out()).contains("llama3.2:1b").contains("bartowski/Llama-3.2-1B-Instruct-GGUF");
    }
}
