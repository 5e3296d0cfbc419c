package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.tensor.parallel.WorkerPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** One or two threads: the logits are the same to the bit, so every reference bound holds for both. */
class ThreadCountTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @ParameterizedTest
    @ValueSource(strings = {"random-llama-q4_k_m.gguf", "random-llama-q4_0.gguf", "random-qwen2-q8_0.gguf", "random-gpt2-q4_k_m.gguf",
            "random-chatglm-f32.gguf", "random-llama-f16.gguf", "random-llama-q5_1.gguf"})
    void twoThreadsGiveBitIdenticalLogits(String name) {
        try (GgufFile file = GgufFile.open(MODELS.resolve(name)); WorkerPool two = new WorkerPool(2)) {
            LanguageModel model = Architectures.load(file);
            DecoderState single = model.newState(64);
            DecoderState parallel = model.newState(64, two);
            for (int p = 0; p < 40; p++) {
                int token = (p * 37 + 11) % model.config().vocabSize();
                float[] a = model.forward(single, token, p).clone();
                float[] b = model.forward(parallel, token, p);
                for (int i = 0; i < a.length; i++) {
                    assertThat(Float.floatToIntBits(b[i])).as(name + " pos " + p + " logit " + i).isEqualTo(Float.floatToIntBits(a[i]));
                }
            }
        }
    }

    /**
     * A long prompt in 32-token chunks: attention runs as (row, head) pairs split over the workers, the activations
     * of each product are converted eight rows an item on the workers (with the panel forms), and so is the
     * feed-forward's gated activation (ChatGLM's fused gate|up included).
     */
    @ParameterizedTest
    @ValueSource(strings = {"random-llama-q4_0.gguf", "random-qwen2-q8_0.gguf", "random-llama-f16.gguf", "random-llama-q4_k_m.gguf",
            "random-chatglm-q4_k_m.gguf", "random-gpt2-q8_0.gguf", "random-llama-q5_0.gguf"})
    void parallelAttentionOverPromptChunksGivesBitIdenticalLogits(String name) {
        try (GgufFile file = GgufFile.open(MODELS.resolve(name)); WorkerPool two = new WorkerPool(2)) {
            LanguageModel model = Architectures.load(file);
            int length = 200;
            int[] tokens = new int[length];
            for (int p = 0; p < length; p++) {
                tokens[p] = (p * 37 + 11) % model.config().vocabSize();
            }
            DecoderState single = model.newState(256);
            DecoderState parallel = model.newState(256, two);
            single.setBatchNumerics(true);
            parallel.setBatchNumerics(true);
            float[] a = model.forward(single, tokens, 0, length, 0, null).clone();
            float[] b = model.forward(parallel, tokens, 0, length, 0, null);
            for (int i = 0; i < a.length; i++) {
                assertThat(Float.floatToIntBits(b[i])).as(name + " logit " + i).isEqualTo(Float.floatToIntBits(a[i]));
            }
        }
    }
}
