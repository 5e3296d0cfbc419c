package dev.caravel.model;

import com.sun.management.ThreadMXBean;
import dev.caravel.format.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The decode loop's contract: after the state is built and the JIT has settled, a forward step allocates nothing. */
class DecodeAllocationTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "random-llama-q4_k_m.gguf", "random-qwen2-q8_0.gguf", "random-gpt2-f32.gguf",
            "random-chatglm-q4_k_m.gguf", "random-llama-q5_1.gguf", "random-llama-bf16.gguf", "random-llama-q2_k.gguf",
            "random-llama-q3_k_m.gguf", "random-llama-q5_k_m.gguf", "random-llama-q6_k.gguf", "random-llama-q4_0.gguf", "random-llama-q4_1.gguf",
            "random-llama-q5_0.gguf", "random-llama-f16.gguf"})
    void forwardStepAllocatesNothing(String name) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (GgufFile file = GgufFile.open(MODELS.resolve(name))) {
            LanguageModel model = Architectures.load(file);
            DecoderState state = model.newState(128);
            // Warm up until C2 has compiled the kernels: Vector API code boxes its vectors while interpreted.
            for (int i = 0; i < 3000; i++) {
                int p = i % 96;
                model.forward(state, (p * 7) % model.config().vocabSize(), p);
            }
            Runnable steps = () -> {
                for (int p = 32; p < 96; p++) {
                    model.forward(state, (p * 7) % model.config().vocabSize(), p);
                }
            };
            Runnable settle = () -> {
                for (int i = 0; i < 8; i++) {
                    steps.run();
                }
            };
            String noisy = AllocationSites.unsettled(steps, settle, mx::getCurrentThreadAllocatedBytes);
            // say where, so that a failure names the kernel C2 compiled with boxed vectors
            assertThat(noisy).as(name + ": every window of 64 decode steps allocated" + noisy).isNull();
        }
    }
}
