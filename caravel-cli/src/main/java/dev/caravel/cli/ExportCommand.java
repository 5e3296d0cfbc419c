package dev.caravel.cli;

import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.tools.convert.GgufToHf;
import dev.caravel.tools.quantize.ModelQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code caravel export}: a GGUF model to a Hugging Face directory (safetensors, config, tokenizer). */
@Command(name = "export", description = "Export a GGUF model to a Hugging Face directory (safetensors, config.json, tokenizer) for fine-tuning tools.",
        mixinStandardHelpOptions = true)
final class ExportCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "Source GGUF model (any type Caravel runs; quantized tensors are dequantized).")
    Path input;

    @Parameters(index = "1", paramLabel = "HF_DIR", description = "Directory to write (created if needed).")
    Path output;

    @Option(names = "--dtype", paramLabel = "D",
            description = "f32, f16 or bf16 (default: f16/bf16 when every source matrix is, else f32).")
    String dtype;

    @Option(names = "--shard-size", paramLabel = "BYTES", defaultValue = "2000000000",
            description = "Start a new safetensors shard beyond this many bytes (default 2 GB).")
    long shardBytes;

    @Option(names = {"-q", "--quiet"}, description = "No per-tensor lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new UsageException(input + ": no such file");
        }
        SafetensorsDType type = null;
        if (dtype != null) {
            type = switch (dtype.toLowerCase(Locale.ROOT)) {
                case "f32", "float32" -> SafetensorsDType.F32;
                case "f16", "float16" -> SafetensorsDType.F16;
                case "bf16", "bfloat16" -> SafetensorsDType.BF16;
                default -> throw new UsageException("--dtype must be f32, f16 or bf16, not '" + dtype + "'");
            };
        }
        if (shardBytes < 1) {
            throw new UsageException("--shard-size must be positive");
        }
        GgufToHf.Result r = GgufToHf.export(input, output, type, shardBytes, quiet ? null : System.err);
        Main.stdout().printf(Locale.ROOT, "%s: %s, %d tensors in %d shard(s), %s in %.1f s%n", output, r.hfArchitecture(),
                r.tensors(), r.shards(), ModelQuantizer.size(r.bytes()), r.nanos() / 1e9);
        return 0;
    }
}
