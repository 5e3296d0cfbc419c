package dev.caravel.cli;

import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code caravel quantize}: convert a GGUF model to another type with llama.cpp's per-tensor rules
 * (llama-quantize's output, byte for byte, for F32 sources). One line per tensor on stderr, a
 * summary on stdout.
 */
@Command(name = "quantize", description = "Quantize a GGUF model like llama.cpp's llama-quantize.", mixinStandardHelpOptions = true)
final class QuantizeCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "Source GGUF model (F32, F16, BF16; quantized with --allow-requantize).")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "GGUF file to write (replaced if it exists).")
    Path output;

    @Parameters(index = "2", paramLabel = "TYPE",
            description = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M, Q6_K (Q3_K, Q4_K, Q5_K mean the _M mixes).")
    String type;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--allow-requantize", description = "Allow converting tensors that are already quantized (compounds the error).")
    boolean allowRequantize;

    @Option(names = {"-q", "--quiet"}, description = "No per-tensor lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        QuantType target = QuantType.parse(type);
        if (!Files.isRegularFile(input)) {
            throw new UsageException(input + ": no such file");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new UsageException(output + ": directory " + dir + " does not exist");
        }
        if (threads != null && threads < 1) {
            throw new UsageException("-t must be at least 1, got " + threads);
        }
        ModelQuantizer.Options options = ModelQuantizer.Options.defaults().withAllowRequantize(allowRequantize);
        if (threads != null) {
            options = options.withThreads(threads);
        }
        if (!quiet) {
            options = options.withProgress(System.err);
        }
        ModelQuantizer.Result r = ModelQuantizer.quantize(input, output, target, options);
        Main.stdout().printf(Locale.ROOT, "%s: %s, %d tensors, %s -> %s (%.1f%%)%s in %.1f s%n", output, target,
                r.tensors().size(), ModelQuantizer.size(r.bytesIn()), ModelQuantizer.size(r.bytesOut()),
                100.0 * r.bytesOut() / Math.max(1, r.bytesIn()),
                r.fallbacks() == 0 ? "" : ", " + r.fallbacks() + " tensor(s) with fallback types", r.nanos() / 1e9);
        return 0;
    }
}
