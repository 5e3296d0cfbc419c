package dev.caravel.model;

import com.sun.management.ThreadMXBean;
import dev.caravel.format.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decode loop's contract: after the state is built and the JIT has settled, a forward step allocates nothing.
 *
 * <p>Fifteen models run in one JVM here, and now and then C2 compiles a kernel of a later model with a vector boxed
 * for good (the float Q4_0 one-row kernel's FMA, since replaced, in about one clean-clone run of three at the end of session 11: every
 * window allocated the same bytes, with no compilations going on). That is a JIT accident, which depends on what
 * ran before in the process, not an allocation in the code: a model whose windows all allocate is checked again
 * alone in a fresh JVM ({@link #main}), and passes only if that run allocates nothing; the shared JVM's windows are
 * printed either way. An allocation written into the decode loop fails both. ARCHITECTURE.md describes the open
 * problem.
 */
class DecodeAllocationTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "random-llama-q4_k_m.gguf", "random-qwen2-q8_0.gguf", "random-gpt2-f32.gguf",
            "random-chatglm-q4_k_m.gguf", "random-llama-q5_1.gguf", "random-llama-bf16.gguf", "random-llama-q2_k.gguf",
            "random-llama-q3_k_m.gguf", "random-llama-q5_k_m.gguf", "random-llama-q6_k.gguf", "random-llama-q4_0.gguf", "random-llama-q4_1.gguf",
            "random-llama-q5_0.gguf", "random-llama-f16.gguf"})
    void forwardStepAllocatesNothing(String name) throws Exception {
        String noisy = noisyWindows(name);
        if (noisy == null) {
            return;
        }
        System.err.println(name + ": every window of 64 decode steps allocated in the shared JVM; checking it alone in a fresh JVM" + noisy);
        String alone = inFreshJvm(name);
        // say where, so that a failure names the kernel C2 compiled with boxed vectors
        assertThat(alone).as(name + ": allocated in the shared JVM" + noisy + "\nand alone in a fresh JVM:\n" + alone).isNull();
    }

    /** Null if a window of 64 decode steps of {@code name} allocates nothing once warmed up, else every window. */
    static String noisyWindows(String name) {
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
            return AllocationSites.unsettled(steps, settle, mx::getCurrentThreadAllocatedBytes);
        }
    }

    /** Runs {@link #main} for one model in a new JVM with this one's flags; null if it passed, else its output. */
    private static String inFreshJvm(String name) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
                command.add(arg);
            }
        }
        command.add("-Dcaravel.shared=" + System.getProperty("caravel.shared", "../../shared"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DecodeAllocationTest.class.getName());
        command.add(name);
        Path log = Files.createTempFile("caravel-decode-alloc", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "(the fresh JVM did not finish in 300 s)";
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + text;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** One model's check, alone in this JVM: exit 0 if decoding allocates nothing once warmed up. */
    public static void main(String[] args) {
        String noisy = noisyWindows(args[0]);
        if (noisy != null) {
            System.out.println(args[0] + ": every window of 64 decode steps allocated" + noisy);
            System.exit(1);
        }
        System.exit(0);
    }
}
