package dev.caravel.cli;

import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import dev.caravel.tools.synth.ModelSynthesizer;
import dev.caravel.tools.synth.SynthPreset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code caravel synth}: write a random-weight model of a real shape (with a working tokenizer and
 * chat template) for benchmarks and tests. One line per tensor on stderr, a summary on stdout.
 */
@Command(name = "synth", description = "Write a random-weight model of a real shape (for benchmarks and tests).",
        mixinStandardHelpOptions = true)
final class SynthCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "smollm2-135m, qwen2.5-0.5b, llama3.2-1b, test-tiny or test-tiny-qwen2.")
    String preset;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "Q8_0",
            description = "Tensor type or mix, as for quantize (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "No per-tensor lines on stderr.")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "OUT", description = "GGUF file to write (replaced if it exists).")
    Path output;

    @Override
    public Integer call() throws Exception {
        SynthPreset p = SynthPreset.named(preset);
        QuantType target = QuantType.parse(type);
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new UsageException(output + ": directory " + dir + " does not exist");
        }
        if (threads != null && threads < 1) {
            throw new UsageException("-t must be at least 1, got " + threads);
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ModelSynthesizer.Result r = ModelSynthesizer.synthesize(p, target, output,
                new ModelSynthesizer.Options(seed, n, quiet ? null : System.err));
        Main.stdout().printf(Locale.ROOT, "%s: %s, %s, %d tensors, %.1f M parameters, %s in %.1f s%n", output, p.name(), target,
                r.tensors(), r.parameters() / 1e6, ModelQuantizer.size(r.fileBytes()), r.nanos() / 1e9);
        return 0;
    }
}
