package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt evaluated in batches (chunks of the state's batch size, weights read once per chunk)
 * gives the same bits as the same prompt fed one token at a time with the same numerics.
 */
class BatchedPrefillTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "random-llama-q4_k_m.gguf", "random-qwen2-q8_0.gguf", "random-gpt2-f32.gguf",
            "random-chatglm-q4_k_m.gguf", "random-llama-f16.gguf", "random-llama-q4_1.gguf"})
    void batchedEqualsTokenByToken(String name) {
        try (GgufFile file = GgufFile.open(MODELS.resolve(name))) {
            LanguageModel model = Architectures.load(file);
            int n = 45; // more than one chunk of 32, and a ragged last chunk
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = (i * 53 + 7) % model.config().vocabSize();
            }
            DecoderState one = model.newState(64);
            one.setBatchNumerics(true);
            float[][] expected = new float[n][];
            for (int p = 0; p < n; p++) {
                expected[p] = model.forward(one, tokens[p], p).clone();
            }
            DecoderState batched = model.newState(64);
            batched.setBatchNumerics(true);
            float[][] actual = new float[n][];
            float[] last = model.forward(batched, tokens, 0, n, 0, (p, l) -> actual[p] = l.clone());
            for (int p = 0; p < n; p++) {
                for (int i = 0; i < expected[p].length; i++) {
                    assertThat(Float.floatToIntBits(actual[p][i])).as(name + " pos " + p + " logit " + i)
                            .isEqualTo(Float.floatToIntBits(expected[p][i]));
                }
            }
            assertThat(last).containsExactly(expected[n - 1]);

            // Without a sink only the last logits are produced, and they are the same.
            DecoderState lastOnly = model.newState(64);
            lastOnly.setBatchNumerics(true);
            assertThat(model.forward(lastOnly, tokens, 0, n, 0, null)).containsExactly(expected[n - 1]);
            // The cache is right too: the next token continues identically.
            one.setBatchNumerics(false);
            lastOnly.setBatchNumerics(false);
            assertThat(model.forward(lastOnly, 5, n)).containsExactly(model.forward(one, 5, n));
        }
    }
}
