package dev.caravel.tools.convert;

import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.format.safetensors.SafetensorsCheckpoint;
import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tools.io.TensorEncoder;
import dev.caravel.tools.quantize.ModelParams;
import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import dev.caravel.tools.quantize.TensorTypeRules;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code caravel convert}: a Hugging Face model directory (config.json, safetensors weights,
 * tokenizer files) to a GGUF file llama.cpp can load.
 *
 * <p>Tensors are renamed and re-laid out by the architecture's {@link ArchMapping} as lazy
 * {@link FloatRows} views over the memory-mapped checkpoint, then encoded to the target type with
 * the quantizer's own per-tensor rules ({@link TensorTypeRules}, in llama.cpp's tensor order) and
 * encoder ({@link TensorEncoder}) — the same code path as {@code caravel quantize}, so a
 * {@code --type Q4_K_M} conversion equals converting to F32 and quantizing. One difference, taken
 * from {@code convert_hf_to_gguf.py}: a tensor whose rows no quantized type fits (not a multiple of
 * 32) is written as F16 where {@code llama-quantize} would stop. Weights are streamed:
 * memory stays at a few MB beyond the mappings. The output appears only once complete.
 */
public final class HfToGguf {
    private HfToGguf() {
    }

    /** One output tensor: GGUF name, GGML dims and its rows. */
    public record Planned(String name, long[] dims, FloatRows rows) {
    }

    public record Result(String architecture, int tensors, long bytesOut, long nanos) {
    }

    public static Result convert(Path dir, Path output, QuantType type, int threads, PrintStream progress) throws IOException {
        long t0 = System.nanoTime();
        if (!Files.isDirectory(dir)) {
            throw new ConvertException(dir + ": not a directory (expected a Hugging Face model directory)");
        }
        HfConfig config = HfConfig.read(dir.resolve("config.json"), true);
        var archs = config.node("architectures");
        if (!archs.isArray() || archs.isEmpty()) {
            throw new ConvertException(config.file() + ": no 'architectures' entry");
        }
        ArchMapping arch = Mappings.forHf(archs.get(0).asText(), config.file());
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            List<Planned> plan = plan(arch, config, ckpt);
            int vocabSize = plan.stream().filter(p -> p.name().equals("token_embd.weight")).findFirst()
                    .map(p -> (int) p.rows().rows()).orElseThrow(() -> new ConvertException(dir + ": the checkpoint has no token embedding"));
            Vocab vocab = HfTokenizerReader.read(dir, config, vocabSize, arch);
            plan.sort((a, b) -> TensorTypeRules.LLAMA_ORDER.compare(a.name(), b.name()));
            long bytes = 0;
            try (GgufWriter out = GgufWriter.create(output); TensorEncoder encoder = new TensorEncoder(threads)) {
                out.putString("general.architecture", arch.ggufArch());
                out.putString("general.type", "model");
                out.putString("general.name", dir.toAbsolutePath().normalize().getFileName().toString());
                arch.writeHparams(config, out);
                arch.writeModelMetadata(dir, config, out);
                out.putUInt32("general.file_type", type.fileType());
                out.putUInt32("general.quantization_version", ModelQuantizer.QUANTIZATION_VERSION);
                vocab.writeTo(out);
                Set<String> names = new HashSet<>();
                plan.forEach(p -> names.add(p.name()));
                TensorTypeRules rules = new TensorTypeRules(type,
                        ModelParams.from(new GgufMetadata(output.getFileName().toString(), out.metadata())), names)
                        .withConverterFallback();
                List<GgmlType> types = new ArrayList<>();
                for (Planned p : plan) {
                    // Rows are produced as F32, so the rules see an F32 source, as for an F32 GGUF.
                    GgmlType t = rules.typeFor(p.name(), p.dims(), GgmlType.F32);
                    types.add(t);
                    out.addTensor(p.name(), t, p.dims());
                }
                for (int i = 0; i < plan.size(); i++) {
                    Planned p = plan.get(i);
                    GgmlType t = types.get(i);
                    try (WritableByteChannel channel = out.openTensor(p.name())) {
                        encoder.encode(p.rows().asRowSource(), p.rows().rows(), p.rows().cols(), t, false, channel);
                    }
                    bytes += t.byteSize(p.rows().rows() * p.rows().cols());
                    if (progress != null) {
                        progress.printf("[%" + String.valueOf(plan.size()).length() + "d/%d] %-32s %-14s -> %s%n", i + 1, plan.size(),
                                p.name(), java.util.Arrays.toString(p.dims()), t);
                    }
                }
            }
            return new Result(arch.ggufArch(), plan.size(), bytes, System.nanoTime() - t0);
        }
    }

    /** Every GGUF tensor of the checkpoint, by the mapping's rules; unknown tensors are an error naming them. */
    static List<Planned> plan(ArchMapping arch, HfConfig config, SafetensorsCheckpoint ckpt) {
        int heads = arch.heads(config);
        int kvHeads = arch.kvHeads(config);
        Map<String, Planned> out = new LinkedHashMap<>();
        for (SafetensorsCheckpoint.Entry e : ckpt.entries().values()) {
            String name = arch.normalize(e.name());
            if (arch.ignored(name) || arch.ignored(e.name())) {
                continue;
            }
            TensorRule rule = null;
            int block = -1;
            for (TensorRule r : arch.rules()) {
                Integer b = TensorRule.match(r.hf(), name);
                if (b != null) {
                    rule = r;
                    block = b;
                    break;
                }
            }
            if (rule == null) {
                throw new ConvertException(e.file().path() + ": tensor '" + e.name() + "' has no " + arch.ggufArch()
                        + " equivalent (unexpected for " + arch.hfArchitectures().get(0) + ")");
            }
            if (!e.tensor().dtype().readableAsFloat() || e.tensor().shape().length > 2) {
                throw new ConvertException(e.file().path() + ": tensor '" + e.name() + "' has dtype " + e.tensor().dtype()
                        + " and shape " + e.tensor().shapeString() + "; convert reads F32, F16, BF16 matrices and vectors");
            }
            if (e.tensor().dtype() != SafetensorsDType.F32 && e.tensor().dtype() != SafetensorsDType.F16
                    && e.tensor().dtype() != SafetensorsDType.BF16 && e.tensor().dtype() != SafetensorsDType.F64) {
                throw new ConvertException(e.file().path() + ": tensor '" + e.name() + "' has integer dtype " + e.tensor().dtype()
                        + " (a quantized checkpoint?); convert reads F32, F16 and BF16");
            }
            FloatRows rows = rule.apply(FloatRows.of(e), heads, kvHeads, false);
            String gguf = TensorRule.name(rule.gguf(), block);
            long[] dims = rows.rows() == 1 && e.tensor().shape().length <= 1 ? new long[]{rows.cols()} : new long[]{rows.cols(), rows.rows()};
            out.put(gguf, new Planned(gguf, dims, rows));
        }
        if (arch.duplicateEmbeddingAsOutput() && !out.containsKey("output.weight") && out.containsKey("token_embd.weight")) {
            Planned emb = out.get("token_embd.weight");
            out.put("output.weight", new Planned("output.weight", emb.dims(), emb.rows()));
        }
        return new ArrayList<>(out.values());
    }
}
