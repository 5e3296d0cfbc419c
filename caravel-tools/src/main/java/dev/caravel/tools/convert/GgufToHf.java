package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.format.safetensors.SafetensorsWriter;
import dev.caravel.tensor.GgmlType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code caravel export}: a GGUF model to a Hugging Face directory that fine-tuning tools load —
 * safetensors weights (every tensor dequantized to F32, F16 or BF16; sharded with an index above
 * {@link #DEFAULT_SHARD_BYTES}), {@code config.json}, {@code generation_config.json} and the tokenizer
 * files ({@link HfTokenizerWriter}). Each architecture's layout changes are undone with the inverse
 * views of {@link TensorRule}, so exporting and converting back gives the original tensors bit for bit
 * (for F32/F16/BF16 sources; quantized sources come back as their dequantized values). Streamed: one
 * chunk of rows at a time.
 */
public final class GgufToHf {
    public static final long DEFAULT_SHARD_BYTES = 2_000_000_000L;
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private GgufToHf() {
    }

    public record Result(String hfArchitecture, int tensors, int shards, long bytes, long nanos) {
    }

    private record Out(String hfName, long[] shape, FloatRows rows, boolean keepF32) {
        /** Vectors (norms, biases) stored as F32 stay F32 whatever the dtype, so they survive a round trip exactly. */
        SafetensorsDType type(SafetensorsDType wanted) {
            return keepF32 ? SafetensorsDType.F32 : wanted;
        }

        long bytes(SafetensorsDType wanted) {
            return rows.rows() * rows.cols() * type(wanted).size();
        }
    }

    /**
     * @param dtype       F32, F16 or BF16; null picks F32 unless every source matrix is F16 (then F16) or BF16
     * @param shardBytes  start a new shard once one would exceed this
     */
    public static Result export(Path input, Path dir, SafetensorsDType dtype, long shardBytes, PrintStream progress) throws IOException {
        long t0 = System.nanoTime();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConvertException(dir + ": exists and is not a directory");
        }
        try (GgufFile gguf = GgufFile.open(input)) {
            GgufMetadata m = gguf.meta();
            ArchMapping arch = Mappings.forGguf(m.architecture(), input.toString());
            Files.createDirectories(dir);
            List<Out> tensors = plan(gguf, arch);
            SafetensorsDType type = dtype != null ? dtype : defaultDtype(gguf);
            if (type != SafetensorsDType.F32 && type != SafetensorsDType.F16 && type != SafetensorsDType.BF16) {
                throw new ConvertException("export writes F32, F16 or BF16, not " + type);
            }
            int shards = writeShards(dir, tensors, type, shardBytes, progress);
            Vocab vocab = Vocab.fromGguf(m);
            ObjectNode config = HfConfig.JSON.createObjectNode();
            config.putArray("architectures").add(arch.hfArchitecture(m));
            config.put("model_type", arch.modelType());
            config.put("vocab_size", vocab.tokens().size());
            arch.exportConfig(config, m, gguf.tensors().keySet());
            arch.exportExtras(gguf, config, dir);
            vocab.specials().forEach((s, id) -> {
                if (s == Vocab.Special.BOS || s == Vocab.Special.EOS || s == Vocab.Special.PAD) {
                    config.put(s.hfName + "_id", id);
                }
            });
            config.put("torch_dtype", switch (type) {
                case F16 -> "float16";
                case BF16 -> "bfloat16";
                default -> "float32";
            });
            writeJson(dir.resolve("config.json"), config);
            ObjectNode generation = HfConfig.JSON.createObjectNode();
            generation.put("_from_model_config", true);
            vocab.specials().forEach((s, id) -> {
                if (s == Vocab.Special.BOS || s == Vocab.Special.EOS || s == Vocab.Special.PAD) {
                    generation.put(s.hfName + "_id", id);
                }
            });
            writeJson(dir.resolve("generation_config.json"), generation);
            HfTokenizerWriter.write(dir, vocab, m.intOr(m.architecture() + ".context_length", 2048, 1, Integer.MAX_VALUE));
            long bytes = tensors.stream().mapToLong(t -> t.bytes(type)).sum();
            return new Result(arch.hfArchitecture(m), tensors.size(), shards, bytes, System.nanoTime() - t0);
        }
    }

    public static void writeJson(Path path, Object value) throws IOException {
        Files.writeString(path, HfConfig.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n");
    }

    /** F16/BF16 when every matrix already is, else F32 (dequantized values are not F16-exact). */
    private static SafetensorsDType defaultDtype(GgufFile gguf) {
        boolean allF16 = true;
        boolean allBf16 = true;
        for (GgufTensorInfo t : gguf.tensors().values()) {
            if (t.dims().length >= 2) {
                allF16 &= t.type() == GgmlType.F16;
                allBf16 &= t.type() == GgmlType.BF16;
            }
        }
        return allF16 ? SafetensorsDType.F16 : allBf16 ? SafetensorsDType.BF16 : SafetensorsDType.F32;
    }

    private static List<Out> plan(GgufFile gguf, ArchMapping arch) {
        GgufMetadata m = gguf.meta();
        int heads = arch.heads(m);
        int kvHeads = arch.kvHeads(m);
        List<Out> out = new ArrayList<>();
        for (GgufTensorInfo t : gguf.tensors().values()) {
            TensorRule rule = null;
            int block = -1;
            for (TensorRule r : arch.rules()) {
                Integer b = TensorRule.match(r.gguf(), t.name());
                if (b != null) {
                    rule = r;
                    block = b;
                    break;
                }
            }
            if (rule == null) {
                throw new ConvertException(gguf.path() + ": tensor '" + t.name() + "' has no Hugging Face equivalent in "
                        + arch.hfArchitecture(m) + "; cannot export it");
            }
            if (!dev.caravel.tensor.kernel.Kernels.supports(t.type()) && t.type() != GgmlType.F32) {
                throw new ConvertException(gguf.path() + ": tensor '" + t.name() + "' has type " + t.type() + ", which Caravel cannot dequantize");
            }
            FloatRows rows = rule.apply(FloatRows.of(gguf, t), heads, kvHeads, true);
            long[] shape = t.dims().length <= 1 ? new long[]{rows.cols()} : new long[]{rows.rows(), rows.cols()};
            out.add(new Out(TensorRule.name(rule.hf(), block), shape, rows, t.dims().length <= 1 && t.type() == GgmlType.F32));
        }
        return out;
    }

    private static int writeShards(Path dir, List<Out> tensors, SafetensorsDType type, long shardBytes, PrintStream progress) throws IOException {
        List<List<Out>> shards = new ArrayList<>();
        long size = 0;
        for (Out t : tensors) {
            long bytes = t.bytes(type);
            if (shards.isEmpty() || (size > 0 && size + bytes > shardBytes)) {
                shards.add(new ArrayList<>());
                size = 0;
            }
            shards.getLast().add(t);
            size += bytes;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        int done = 0;
        for (int s = 0; s < shards.size(); s++) {
            String name = shards.size() == 1 ? "model.safetensors"
                    : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards.size());
            try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve(name))) {
                w.metadata("format", "pt");
                for (Out t : shards.get(s)) {
                    w.addTensor(t.hfName(), t.type(type), t.shape());
                }
                for (Out t : shards.get(s)) {
                    writeTensor(w, t, t.type(type));
                    weightMap.put(t.hfName(), name);
                    done++;
                    if (progress != null) {
                        progress.printf("[%d/%d] %-48s %s %s%n", done, tensors.size(), t.hfName(), java.util.Arrays.toString(t.shape()), t.type(type));
                    }
                }
                total += w.dataSize();
            }
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (shards.size() > 1) {
            ObjectNode root = HfConfig.JSON.createObjectNode();
            root.putObject("metadata").put("total_size", total);
            ObjectNode map = root.putObject("weight_map");
            weightMap.forEach(map::put);
            writeJson(index, root);
        } else {
            Files.deleteIfExists(index);
        }
        return shards.size();
    }

    private static void writeTensor(SafetensorsWriter w, Out t, SafetensorsDType type) throws IOException {
        FloatRows rows = t.rows();
        int cols = rows.cols();
        int perChunk = Math.max(1, CHUNK_ELEMENTS / cols);
        float[] buf = new float[perChunk * cols];
        try (WritableByteChannel c = w.openTensor(t.hfName())) {
            for (long first = 0; first < rows.rows(); first += perChunk) {
                int n = (int) Math.min(perChunk, rows.rows() - first);
                rows.read(first, n, buf, 0);
                SafetensorsWriter.writeFloats(c, type, buf, 0, n * cols);
            }
        }
    }
}
