package dev.caravel.model;

import com.sun.management.ThreadMXBean;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.tensor.parallel.WorkerPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt on two threads allocates nothing once warmed up, on the caller or the worker. Run in a JVM of its own
 * (the pom's prompt-allocation executions): after {@link DecodeAllocationTest}'s fifteen models in the same JVM, C2
 * now and then compiled the sixteen-row Q4_0 or the Q6_K panel kernel with its Vector API intrinsics failed, and the
 * kernel boxed every vector (clean-clone run of ff0ff20). That is the open problem ARCHITECTURE.md describes (late
 * inlining with a polluted type profile); this test covers the prompt path as one process running these models sees it.
 */
class PromptAllocationTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    /** A prompt in 32-token chunks on two threads: neither the caller nor the worker allocates once warmed up. */
    @ParameterizedTest
    @ValueSource(strings = {"random-llama-q4_0.gguf", "random-llama-q4_k_m.gguf", "random-chatglm-q8_0.gguf"})
    void promptChunksOnTwoThreadsAllocateNothing(String name) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (GgufFile file = GgufFile.open(MODELS.resolve(name)); WorkerPool two = new WorkerPool(2)) {
            LanguageModel model = Architectures.load(file);
            DecoderState state = model.newState(128, two);
            int[] tokens = new int[96];
            for (int p = 0; p < tokens.length; p++) {
                tokens[p] = (p * 37 + 11) % model.config().vocabSize();
            }
            Runnable prompts = () -> {
                for (int i = 0; i < 8; i++) {
                    model.forward(state, tokens, 0, tokens.length, 0, null);
                }
            };
            for (int i = 0; i < 60; i++) {
                prompts.run();
            }
            long[] threads = poolAndCaller(two);
            String noisy = AllocationSites.unsettled(prompts, prompts, () -> allocated(mx, threads));
            assertThat(noisy).as(name + ": every window of 8 prompts of 96 tokens allocated (sites: the caller's)" + noisy).isNull();
        }
    }

    /** The ids of the calling thread and the pool's workers (named caravel-worker-N). */
    private static long[] poolAndCaller(WorkerPool pool) {
        java.util.List<Long> ids = new java.util.ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("caravel-worker-")) {
                ids.add(t.threadId());
            }
        }
        assertThat(ids).as("worker threads of a pool of " + pool.size()).hasSizeGreaterThanOrEqualTo(pool.size());
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long allocated(ThreadMXBean mx, long[] threads) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(threads)) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
