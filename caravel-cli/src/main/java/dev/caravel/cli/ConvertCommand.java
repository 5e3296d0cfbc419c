package dev.caravel.cli;

import dev.caravel.tools.convert.HfToGguf;
import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code caravel convert}: a Hugging Face model directory (safetensors) to GGUF, optionally quantized. */
@Command(name = "convert", description = "Convert a Hugging Face model directory (safetensors) to GGUF, like llama.cpp's convert_hf_to_gguf.py.",
        mixinStandardHelpOptions = true)
final class ConvertCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HF_DIR", description = "Directory with config.json, *.safetensors and tokenizer files.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "GGUF file to write (replaced if it exists).")
    Path output;

    @Option(names = "--type", paramLabel = "T", defaultValue = "F16",
            description = "F32, F16 (default, as llama.cpp), BF16, Q8_0, or any quantize type (Q4_K_M, …) with llama-quantize's per-tensor rules.")
    String type;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "No per-tensor lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        QuantType target = QuantType.parse(type);
        if (!Files.isDirectory(input)) {
            throw new UsageException(input + ": no such directory (expected a Hugging Face model directory)");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new UsageException(output + ": directory " + dir + " does not exist");
        }
        if (threads != null && threads < 1) {
            throw new UsageException("-t must be at least 1, got " + threads);
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        HfToGguf.Result r = HfToGguf.convert(input, output, target, n, quiet ? null : System.err);
        Main.stdout().printf(Locale.ROOT, "%s: %s, %s, %d tensors, %s in %.1f s%n", output, r.architecture(), target,
                r.tensors(), ModelQuantizer.size(r.bytesOut()), r.nanos() / 1e9);
        return 0;
    }
}
