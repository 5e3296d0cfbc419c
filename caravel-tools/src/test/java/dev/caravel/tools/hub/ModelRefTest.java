package dev.caravel.tools.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model references, file names, configuration and the progress line: no network. */
class ModelRefTest {
    @Test
    void shortNamesMapToRepositoriesAndTagsPickTheQuantization() {
        ModelRef q = ModelRef.parse("qwen2.5:0.5b");
        assertThat(q).isEqualTo(new ModelRef("Qwen/Qwen2.5-0.5B-Instruct-GGUF", null, "Q4_K_M", "qwen2.5:0.5b"));
        assertThat(ModelRef.parse("Qwen2.5:0.5B-Q8_0")).isEqualTo(
                new ModelRef("Qwen/Qwen2.5-0.5B-Instruct-GGUF", null, "Q8_0", "qwen2.5:0.5b-q8_0"));
        assertThat(ModelRef.parse("smollm2:1.7b").repo()).isEqualTo("HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF");
        assertThat(ModelRef.parse("phi3.5:mini-q6_k").quant()).isEqualTo("Q6_K");
        for (ModelRegistry.Entry e : ModelRegistry.entries()) {
            assertThat(ModelRef.parse(e.name()).repo()).isEqualTo(e.repo());
        }
        assertThatThrownBy(() -> ModelRef.parse("qwen2.5:0.6b")).isInstanceOf(HubException.class)
                .hasMessageContaining("known names").hasMessageContaining("qwen2.5:0.5b");
        assertThatThrownBy(() -> ModelRef.parse("llama")).hasMessageContaining("unknown model 'llama'");
        assertThat(ModelRegistry.shortName("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "Q4_K_M")).hasValue("qwen2.5:0.5b");
        assertThat(ModelRegistry.shortName("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "Q8_0")).hasValue("qwen2.5:0.5b-q8_0");
        assertThat(ModelRegistry.shortName("x/y", "Q8_0")).isEmpty();
    }

    @Test
    void repositoriesFilesAndHubUrls() {
        assertThat(ModelRef.parse("Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf")).isEqualTo(
                new ModelRef("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf", null, null));
        assertThat(ModelRef.parse("org/repo")).isEqualTo(new ModelRef("org/repo", null, null, null));
        assertThat(ModelRef.parse("org/repo:q5_k_m")).isEqualTo(new ModelRef("org/repo", null, "Q5_K_M", null));
        assertThat(ModelRef.parse("org/repo/sub/dir/m.gguf").file()).isEqualTo("sub/dir/m.gguf");
        assertThat(ModelRef.parse("https://huggingface.co/org/repo/resolve/main/m.gguf?download=true"))
                .isEqualTo(new ModelRef("org/repo", "m.gguf", null, null));
        assertThat(ModelRef.parse("hf.co/org/repo/blob/main/m.gguf").file()).isEqualTo("m.gguf");
        assertThat(ModelRef.parse("https://huggingface.co/org/repo").file()).isNull();
        assertThatThrownBy(() -> ModelRef.parse("org/re po")).hasMessageContaining("not a model reference");
        assertThatThrownBy(() -> ModelRef.parse("org/repo/../x.gguf")).hasMessageContaining("not a file path");
        assertThatThrownBy(() -> ModelRef.parse("org/repo/blob/dev/m.gguf")).hasMessageContaining("main revision");
    }

    @Test
    void pathsAreNotReferences() {
        assertThat(ModelRef.looksLikeRef("qwen2.5:0.5b")).isTrue();
        assertThat(ModelRef.looksLikeRef("org/repo")).isTrue();
        assertThat(ModelRef.looksLikeRef("org/repo/m.gguf")).isTrue();
        assertThat(ModelRef.looksLikeRef("models/m.gguf")).isFalse();
        assertThat(ModelRef.looksLikeRef("m.gguf")).isFalse();
        assertThat(ModelRef.looksLikeRef("/abs/org/repo/m.gguf")).isFalse();
        assertThat(ModelRef.looksLikeRef("./org/repo")).isFalse();
        assertThat(ModelRef.looksLikeRef("C:\\models\\m.gguf")).isFalse();
    }

    @Test
    void quantizationsAreReadFromFileNamesOfEveryPublisher() {
        assertThat(GgufNames.quant("qwen2.5-0.5b-instruct-q4_k_m.gguf")).hasValue("Q4_K_M");
        assertThat(GgufNames.quant("Llama-3.2-1B-Instruct-Q4_K_M.gguf")).hasValue("Q4_K_M");
        assertThat(GgufNames.quant("tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf")).hasValue("Q4_K_M");
        assertThat(GgufNames.quant("Qwen3-0.6B-UD-Q4_K_XL.gguf")).hasValue("Q4_K_XL");
        assertThat(GgufNames.quant("qwen2.5-0.5b-instruct-fp16.gguf")).hasValue("F16");
        assertThat(GgufNames.quant("gemma-2-2b-it-IQ4_XS.gguf")).hasValue("IQ4_XS");
        assertThat(GgufNames.quant("sub/model-bf16.gguf")).hasValue("BF16");
        assertThat(GgufNames.quant("model.gguf")).isEmpty();
        assertThat(GgufNames.quant("README.md")).isEmpty();
        assertThat(GgufNames.isSplitPart("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf")).isTrue();
        List<String> files = List.of("m-Q4_K_M.gguf", "m-Q4_K_S.gguf", "m-q4_k_m-00001-of-00002.gguf", "m-Q8_0.gguf", "README.md");
        assertThat(GgufNames.withQuant(files, "q4_k_m")).containsExactly("m-Q4_K_M.gguf");
    }

    @Test
    void theConfigurationFollowsHuggingfaceHubsEnvironmentVariables(@TempDir Path home) throws IOException {
        HubConfig d = HubConfig.fromEnvironment(Map.of(), home);
        assertThat(d.endpoint().toString()).isEqualTo("https://huggingface.co");
        assertThat(d.cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(d.token()).isNull();
        assertThat(d.offline()).isFalse();
        HubConfig e = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.com/", "HF_HOME", "/data/hf",
                "HF_TOKEN", "hf_x", "HF_HUB_OFFLINE", "1"), home);
        assertThat(e.endpoint().toString()).isEqualTo("https://hf-mirror.com");
        assertThat(e.host()).isEqualTo("hf-mirror.com");
        assertThat(e.cacheDir()).isEqualTo(Path.of("/data/hf/hub"));
        assertThat(e.token()).isEqualTo("hf_x");
        assertThat(e.offline()).isTrue();
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", "/a", "HF_HUB_CACHE", "/b"), home).cacheDir()).isEqualTo(Path.of("/b"));
        assertThat(HubConfig.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).cacheDir()).isEqualTo(Path.of("/x/huggingface/hub"));
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "hf_from_login\n");
        assertThat(HubConfig.fromEnvironment(Map.of(), home).token()).isEqualTo("hf_from_login");
        assertThatThrownBy(() -> HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "hf-mirror.com"), home))
                .hasMessageContaining("HF_ENDPOINT must be an http(s) URL");
    }

    @Test
    void diskFullErrorsAreRecognisedWhereverTheJdkPutsThem() {
        assertThat(Download.diskFull(new java.io.IOException("No space left on device"))).isTrue();
        assertThat(Download.diskFull(new java.io.IOException("write failed", new java.io.IOException("No space left on device")))).isTrue();
        assertThat(Download.diskFull(new java.io.IOException("Broken pipe"))).isFalse();
    }

    @Test
    void theProgressLineShowsPercentBytesRateAndEta() {
        long[] now = {0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), true, () -> now[0]);
        bar.start("Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf", 397_800_000L, 0);
        for (int i = 1; i <= 10; i++) {
            now[0] = i * 200_000_000L;
            bar.update(i * 2_000_000L); // 10 MB/s
        }
        assertThat(bar.line()).isEqualTo(
                "qwen2.5-0.5b-instruct-q4_k_m.gguf    5% [#-----------------------] 20.0/397.8 MB  10.0 MB/s  ETA 0:37");
        bar.retry(1, 6, "HTTP 503", Duration.ofSeconds(2));
        bar.finish(false);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\r").contains("HTTP 503; retrying in 2 s (attempt 2 of 6)");
        assertThat(ProgressBar.bytes(999)).isEqualTo("999 B");
        assertThat(ProgressBar.bytes(4_920_000_000L)).isEqualTo("4.9 GB");
        assertThat(ProgressBar.clockTime(3725)).isEqualTo("1:02:05");
    }
}
