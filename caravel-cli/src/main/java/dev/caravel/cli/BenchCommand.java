package dev.caravel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.Sampler;
import dev.caravel.engine.Sequence;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.tensor.parallel.MemoryBandwidth;
import dev.caravel.tensor.parallel.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.SplittableRandom;

/**
 * {@code caravel bench}: prompt-processing (pp) and text-generation (tg) speed like llama-bench,
 * with the weight bytes each generated token streams and the effective memory bandwidth.
 */
@Command(name = "bench", description = "Measure prompt (pp) and generation (tg) tokens/s.", mixinStandardHelpOptions = true)
final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", defaultValue = "512", description = "Prompt tokens (default ${DEFAULT-VALUE}); 0 skips pp.")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", defaultValue = "128", description = "Generated tokens (default ${DEFAULT-VALUE}); 0 skips tg.")
    int genTokens;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", defaultValue = "5", description = "Repetitions (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--memory", description = "Also measure the machine's memory read bandwidth (STREAM-like, 1 GiB) and report decode as a share of it.")
    boolean memory;

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 0 || genTokens < 0 || reps < 1) {
            throw new UsageException("-p and -n must be ≥ 0 and -r ≥ 1");
        }
        PrintStream out = Main.stdout();
        try (LoadedModel loaded = modelOptions.load()) {
            int vocab = loaded.model().config().vocabSize();
            int ctx = Math.max(promptTokens, genTokens) + 1;
            if (ctx > loaded.model().config().contextLength()) {
                throw new UsageException("-p/-n need " + ctx + " positions but the model's context is " + loaded.model().config().contextLength());
            }
            Sequence seq = loaded.newSequence(ctx);
            SplittableRandom random = new SplittableRandom(1234);
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = random.nextInt(vocab);
            }
            // Untimed warm-up runs of each until the JIT has compiled the kernels (see warmUp).
            double[] pp = promptTokens > 0 ? measure(() -> runPrompt(seq, prompt), reps, promptTokens) : null;
            double[] tg = genTokens > 0 ? measure(() -> runGeneration(seq, genTokens, random, vocab), reps, genTokens) : null;
            long bytesPerToken = weightBytesPerToken(loaded);
            double streamGbs = 0;
            if (memory) {
                try (WorkerPool pool = new WorkerPool(loaded.threads())) {
                    streamGbs = MemoryBandwidth.measureReadBytesPerSecond(pool, 1L << 30, 5) / 1e9;
                }
            }
            String name = loaded.file().path().getFileName().toString();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("model", name);
                o.put("threads", loaded.threads());
                o.put("numerics", numericsName());
                o.put("vector_bits", dev.caravel.tensor.kernel.Kernels.vectorBits());
                if (pp != null) {
                    o.put("pp_tps", pp[0]);
                    o.put("pp_std", pp[1]);
                }
                if (tg != null) {
                    o.put("tg_tps", tg[0]);
                    o.put("tg_std", tg[1]);
                    o.put("weight_bytes_per_token", bytesPerToken);
                    o.put("gb_per_s", bytesPerToken * tg[0] / 1e9);
                }
                if (memory) {
                    o.put("stream_read_gb_per_s", streamGbs);
                }
                out.println(new ObjectMapper().writeValueAsString(o));
            } else {
                out.printf("kernels: %s; numerics: %s%n", dev.caravel.tensor.kernel.Kernels.description(), numericsName());
                out.printf("| %-40s | %7s | %12s | %22s |%n", "model", "threads", "test", "t/s");
                out.printf("| %-40s | %7d | %12s | %22s |%n", name, loaded.threads(), "pp" + promptTokens, pp == null ? "-" : String.format("%.2f ± %.2f", pp[0], pp[1]));
                out.printf("| %-40s | %7d | %12s | %22s |%n", name, loaded.threads(), "tg" + genTokens, tg == null ? "-" : String.format("%.2f ± %.2f", tg[0], tg[1]));
                if (tg != null) {
                    out.printf("weights streamed per generated token: %s; effective bandwidth %.2f GB/s%n",
                            InfoCommand.human(bytesPerToken), bytesPerToken * tg[0] / 1e9);
                }
                if (memory) {
                    out.printf("machine read bandwidth (STREAM-like, %d threads): %.2f GB/s%s%n", loaded.threads(), streamGbs,
                            tg == null ? "" : String.format("; decode streams weights at %.0f%% of it", 100 * bytesPerToken * tg[0] / 1e9 / streamGbs));
                }
            }
        }
        return 0;
    }

    private static void runPrompt(Sequence seq, int[] prompt) {
        seq.clear();
        seq.prefill(prompt, null);
    }

    private static void runGeneration(Sequence seq, int n, SplittableRandom random, int vocab) {
        seq.clear();
        int token = random.nextInt(vocab);
        for (int i = 0; i < n; i++) {
            float[] logits = seq.append(token);
            token = Sampler.argmax(logits);
        }
    }

    /** Warm-up runs at most: enough for C2 to compile every kernel and the layers' own methods at each batch size. */
    private static final int MAX_WARM_UP_RUNS = 16;
    /** Consecutive runs without a compilation that end the warm-up. */
    private static final int QUIET_RUNS = 2;

    /** Warms up ({@link #warmUp}), then runs {@code work} {@code reps} times; returns mean and standard deviation of tokens/s. */
    private static double[] measure(Runnable work, int reps, int tokens) {
        warmUp(work);
        double[] tps = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            work.run();
            tps[r] = tokens * 1e9 / (System.nanoTime() - t0);
        }
        double mean = 0;
        for (double v : tps) {
            mean += v;
        }
        mean /= reps;
        double var = 0;
        for (double v : tps) {
            var += (v - mean) * (v - mean);
        }
        return new double[]{mean, reps > 1 ? Math.sqrt(var / (reps - 1)) : 0};
    }

    /**
     * Untimed runs until the JIT is idle: {@link #QUIET_RUNS} runs in a row during which no method was compiled (at
     * most {@link #MAX_WARM_UP_RUNS} runs). The first run also builds the weight panels. One warm-up run, as
     * llama-bench does, leaves C2 compiling during the timed runs, and on a 2-core machine its threads then take
     * cycles from the two compute threads. One quiet run was not enough either: a layer's own methods (the block,
     * the feed-forward, the activation forms), called once a layer per chunk, reached C2 after gaps of a run or more,
     * and {@code -XX:+PrintCompilation} showed them compiled during the timed runs of a 128-token prompt.
     */
    private static void warmUp(Runnable work) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long before = -1; // without compilation times every run compares equal: QUIET_RUNS + 1 runs
        int quiet = 0;
        for (int run = 0; run < MAX_WARM_UP_RUNS; run++) {
            work.run();
            long now = timed ? jit.getTotalCompilationTime() : -1;
            quiet = run >= 1 && now == before ? quiet + 1 : 0;
            if (quiet >= QUIET_RUNS) {
                return;
            }
            before = now;
        }
    }

    /**
     * Bytes of weights read to generate one token: every matrix once, but only one row of the token
     * embedding (unless it doubles as the output projection, which reads all of it).
     */
    static long weightBytesPerToken(LoadedModel loaded) {
        long total = 0;
        boolean tied = loaded.file().tensor("output.weight") == null;
        for (GgufTensorInfo t : loaded.file().tensors().values()) {
            if (t.name().equals("token_embd.weight") || t.name().equals("position_embd.weight")) {
                long rows = t.dims().length > 1 ? t.dims()[1] : 1;
                long rowBytes = t.byteSize() / rows;
                total += t.name().equals("token_embd.weight") && tied ? t.byteSize() : rowBytes;
            } else {
                total += t.byteSize();
            }
        }
        return total;
    }

    private static String numericsName() {
        return dev.caravel.tensor.MatMulScratch.Numerics.fromProperty() == dev.caravel.tensor.MatMulScratch.Numerics.FAST ? "fast" : "llama.cpp";
    }
}
