package dev.caravel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.format.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Architectures without a llama.cpp reference here, checked against tiny random models whose
 * expected outputs come from independent numpy implementations of the published Hugging Face
 * definitions (see {@code tools/handchecked/README.md}). The GGUFs were converted with llama.cpp's
 * conventions, so this checks our reading of those conventions too.
 */
class HandCheckedArchitecturesTest {

    static Path fixture(String name, Path dir) throws IOException {
        try (InputStream in = HandCheckedArchitecturesTest.class.getResourceAsStream("/handchecked/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen3", "phi3", "gemma", "gemma2", "glm4"})
    void decoderLogitsMatchPublishedDefinition(String arch, @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(HandCheckedArchitecturesTest.class.getResourceAsStream("/handchecked/" + arch + ".json"));
        try (GgufFile file = GgufFile.open(fixture(arch + ".gguf", dir))) {
            LanguageModel model = Architectures.load(file);
            assertThat(model.config().architecture()).isEqualTo(arch);
            JsonNode ids = ref.get("token_ids");
            DecoderState state = model.newState(ids.size());
            double maxAbs = 0;
            double maxRef = 0;
            for (int p = 0; p < ids.size(); p++) {
                float[] logits = model.forward(state, ids.get(p).asInt(), p);
                // GELU models also carry the expectation through llama.cpp's F16 GELU table, which we use.
                JsonNode expected = (ref.has("logits_ggml_gelu_f16") ? ref.get("logits_ggml_gelu_f16") : ref.get("logits")).get(p);
                assertThat(logits.length).isEqualTo(expected.size());
                for (int i = 0; i < logits.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(logits[i] - expected.get(i).asDouble()));
                    maxRef = Math.max(maxRef, Math.abs(expected.get(i).asDouble()));
                }
            }
            System.out.printf("%s: max|Δ| = %.2e (logits up to %.2f)%n", arch, maxAbs, maxRef);
            assertThat(maxAbs).as(arch).isLessThan(1e-4 * Math.max(1, maxRef));
        }
    }

    @Test
    void bertEmbeddingsMatchPublishedDefinition(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(HandCheckedArchitecturesTest.class.getResourceAsStream("/handchecked/bert.json"));
        try (GgufFile file = GgufFile.open(fixture("bert.gguf", dir))) {
            EmbeddingModel model = Architectures.loadEncoder(file);
            JsonNode idsNode = ref.get("token_ids");
            int[] ids = new int[idsNode.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = idsNode.get(i).asInt();
            }
            float[] hidden = model.encode(ids);
            // HF BERT uses the exact-erf GELU; llama.cpp (and we) use tanh through an F16 table, which
            // the fixture also carries.
            JsonNode expected = ref.get("hidden_ggml_gelu_f16");
            int dim = model.config().dim();
            double maxAbs = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int i = 0; i < dim; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(hidden[t * dim + i] - expected.get(t).get(i).asDouble()));
                }
            }
            System.out.printf("bert hidden: max|Δ| = %.2e%n", maxAbs);
            assertThat(maxAbs).isLessThan(1e-4);
            String key = model.pooling() == PoolingType.CLS ? "embedding_cls" : "embedding_mean";
            JsonNode pooled = ref.get(key + "_ggml_gelu_f16");
            float[] emb = model.embed(ids, false);
            double maxEmb = 0;
            for (int i = 0; i < dim; i++) {
                maxEmb = Math.max(maxEmb, Math.abs(emb[i] - pooled.get(i).asDouble()));
            }
            System.out.printf("bert %s: max|Δ| = %.2e%n", key, maxEmb);
            assertThat(maxEmb).isLessThan(1e-4);
        }
    }
}
