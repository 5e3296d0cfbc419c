package dev.caravel.cli;

import dev.caravel.engine.LoadedModel;
import dev.caravel.format.gguf.GgufFile;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code -m FILE} and {@code -c N}, shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model file, or a model to pull: a short name (qwen2.5:0.5b, llama3.2:1b-q8_0; see "
                    + "'caravel list --known') or a Hub repository org/name[/file.gguf] (default: "
                    + "${sys:caravel.defaultModel:-the default model}, pulled on first use).")
    String model;

    @Option(names = "--offline", description = "Do not use the network: models come from the local cache only (also HF_HUB_OFFLINE=1).")
    boolean offline;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context size in tokens (default: the model's, at most 4096).", defaultValue = "0")
    int contextSize;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Threads for the matrix products (default: all cores).")
    Integer threads;

    @Option(names = "--numerics", paramLabel = "MODE",
            description = "llama.cpp (default: llama.cpp's logits bit for bit) or fast (float products: 2-3x faster "
                    + "prompt processing, logits within float rounding of llama.cpp's).")
    String numerics;

    int threads() {
        int n = threads != null ? threads : dev.caravel.tensor.parallel.WorkerPool.defaultThreads();
        if (n < 1 || n > 1024) {
            throw new UsageException("-t must be between 1 and 1024, got " + n);
        }
        return n;
    }

    LoadedModel load() {
        Path path = model != null ? HubAccess.resolve(model, offline) : DefaultModel.resolve(offline);
        if (!Files.exists(path)) {
            throw new UsageException(path + ": no such file");
        }
        if (numerics != null) {
            String v = numerics.trim().toLowerCase(java.util.Locale.ROOT);
            if (!v.equals("fast") && !v.equals("llama.cpp")) {
                throw new UsageException("--numerics must be 'llama.cpp' or 'fast', got '" + numerics + "'");
            }
            System.setProperty("caravel.numerics", v); // read when the model's decoding state is built
        }
        int threads = threads();
        GgufFile prefetched = ModelPrefetch.take(path);
        return prefetched != null ? LoadedModel.open(prefetched, threads) : LoadedModel.open(path, threads);
    }
}
