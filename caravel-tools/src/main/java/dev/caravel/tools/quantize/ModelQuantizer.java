package dev.caravel.tools.quantize;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tools.io.TensorEncoder;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Converts a GGUF model to another {@link QuantType}, as llama.cpp's {@code llama-quantize} does
 * without an importance matrix, with the same output: for an F32 source the file is byte-for-byte
 * the one llama-quantize writes (same metadata, tensor order, types, data and padding).
 *
 * <ul>
 *   <li>Metadata is copied in order except {@code general.quantization_version}, {@code general.file_type}
 *       and the {@code split.*} keys; then {@code general.quantization_version} = {@value #QUANTIZATION_VERSION}
 *       and {@code general.file_type} = the type's {@code llama_ftype} are appended (where llama.cpp's
 *       {@code gguf_set_val_u32} puts them).</li>
 *   <li>Tensors come in llama.cpp's order ({@link TensorTypeRules#LLAMA_ORDER}) with the types of
 *       {@link TensorTypeRules}; a tensor whose type does not change is copied byte for byte, others
 *       are decoded to floats (F32 read directly, F16/BF16/quantized dequantized) and encoded with
 *       ggml's reference quantizers.</li>
 *   <li>Converting an already quantized tensor to another quantized type is refused unless
 *       {@link Options#allowRequantize} is set (llama-quantize's {@code --allow-requantize}): it
 *       compounds two rounding errors.</li>
 * </ul>
 * The output is streamed: memory use is a few MB beyond the memory-mapped input, whatever the model
 * size. The output appears at its path only when complete (see {@link GgufWriter}).
 */
public final class ModelQuantizer {
    /** {@code GGML_QNT_VERSION}: the block-format generation of the quantized types. */
    public static final int QUANTIZATION_VERSION = 2;

    private static final Set<String> REPLACED_KEYS = Set.of("general.quantization_version", "general.file_type",
            "split.no", "split.count", "split.tensors.count");
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ModelQuantizer() {
    }

    /**
     * How to run.
     *
     * @param threads         worker threads for the conversion (≥ 1)
     * @param allowRequantize convert tensors that are already quantized to another quantized type
     * @param measureError    compute each converted tensor's RMS error (costs one dequantization)
     * @param progress        where to print one line per tensor, or null for silence
     */
    public record Options(int threads, boolean allowRequantize, boolean measureError, PrintStream progress) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("the thread count must be at least 1, not " + threads);
            }
        }

        /** All cores, no requantization, errors measured, silent. */
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), false, true, null);
        }

        public Options withThreads(int n) {
            return new Options(n, allowRequantize, measureError, progress);
        }

        public Options withProgress(PrintStream out) {
            return new Options(threads, allowRequantize, measureError, out);
        }

        public Options withAllowRequantize(boolean allow) {
            return new Options(threads, allow, measureError, progress);
        }
    }

    /** One tensor of the plan: its source entry and the type it gets. */
    public record Planned(GgufTensorInfo source, GgmlType target) {
        public boolean converted() {
            return source.type() != target;
        }
    }

    /**
     * What happened to one tensor.
     *
     * @param rms      RMS of the source values (0 for copied tensors)
     * @param rmsError RMS of (source − stored) values; 0 for copied tensors or when not measured
     */
    public record TensorResult(String name, long[] dims, GgmlType from, GgmlType to, long bytesIn, long bytesOut,
                               double rms, double rmsError) {
    }

    /** The whole run: per-tensor results in output order, totals and wall time. */
    public record Result(QuantType type, List<TensorResult> tensors, int fallbacks, long bytesIn, long bytesOut, long nanos) {
    }

    /**
     * The output's tensors in order with their types, without touching tensor data.
     *
     * @throws IllegalArgumentException if some tensor's row length fits no type of the target
     */
    public static List<Planned> plan(GgufFile in, QuantType type) {
        return planWithFallbacks(in, type).tensors();
    }

    private record Plan(List<Planned> tensors, int fallbacks) {
    }

    private static Plan planWithFallbacks(GgufFile in, QuantType type) {
        List<GgufTensorInfo> order = new ArrayList<>(in.tensors().values());
        order.sort((a, b) -> TensorTypeRules.LLAMA_ORDER.compare(a.name(), b.name()));
        TensorTypeRules rules = new TensorTypeRules(type, ModelParams.from(in.meta()), in.tensors().keySet());
        List<Planned> plan = new ArrayList<>(order.size());
        for (GgufTensorInfo t : order) {
            plan.add(new Planned(t, rules.typeFor(t.name(), t.dims(), t.type())));
        }
        return new Plan(List.copyOf(plan), rules.fallbacks());
    }

    /**
     * Quantizes {@code input} into {@code output} (replacing any file there).
     *
     * @throws IOException                   if a file cannot be read or written
     * @throws IllegalArgumentException      for a requantization that was not allowed, a tensor shape no
     *                                       type fits, or input and output being the same file
     * @throws UnsupportedOperationException for a source tensor type Caravel cannot decode
     * @throws dev.caravel.format.gguf.GgufFormatException if the input is not a valid GGUF file
     */
    public static Result quantize(Path input, Path output, QuantType type, Options options) throws IOException {
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException(output + ": the output must not be the input file");
        }
        long t0 = System.nanoTime();
        try (GgufFile in = GgufFile.open(input);
             TensorEncoder encoder = new TensorEncoder(options.threads())) {
            Plan planned = planWithFallbacks(in, type);
            List<Planned> plan = planned.tensors();
            for (Planned p : plan) {
                checkConvertible(p, options);
            }
            List<TensorResult> results = new ArrayList<>(plan.size());
            try (GgufWriter out = GgufWriter.create(output)) {
                in.metadata().forEach((k, v) -> {
                    if (!REPLACED_KEYS.contains(k)) {
                        out.put(k, v);
                    }
                });
                out.putUInt32("general.quantization_version", QUANTIZATION_VERSION);
                out.putUInt32("general.file_type", type.fileType());
                for (Planned p : plan) {
                    out.addTensor(p.source().name(), p.target(), p.source().dims());
                }
                for (int i = 0; i < plan.size(); i++) {
                    TensorResult r = write(in, out, encoder, plan.get(i), options.measureError());
                    results.add(r);
                    if (options.progress() != null) {
                        options.progress().println(progressLine(i + 1, plan.size(), r));
                    }
                }
            }
            long bytesIn = results.stream().mapToLong(TensorResult::bytesIn).sum();
            long bytesOut = results.stream().mapToLong(TensorResult::bytesOut).sum();
            return new Result(type, List.copyOf(results), planned.fallbacks(), bytesIn, bytesOut, System.nanoTime() - t0);
        }
    }

    private static void checkConvertible(Planned p, Options options) {
        GgmlType from = p.source().type();
        if (!p.converted()) {
            return;
        }
        if (from.isQuantized() && !options.allowRequantize()) {
            throw new IllegalArgumentException("tensor '" + p.source().name() + "' is already " + from
                    + ": requantizing to " + p.target() + " loses quality and is disabled (allow it with --allow-requantize)");
        }
        if (from != GgmlType.F32) {
            Kernels.dequantizer(from); // throws a clear UnsupportedOperationException for types Caravel cannot read
        }
    }

    private static TensorResult write(GgufFile in, GgufWriter out, TensorEncoder encoder, Planned p, boolean measure)
            throws IOException {
        GgufTensorInfo t = p.source();
        MemorySegment data = in.tensorData(t);
        long outBytes = p.target().byteSize(t.elementCount());
        if (!p.converted()) {
            out.writeTensor(t.name(), data);
            return new TensorResult(t.name(), t.dims(), t.type(), p.target(), t.byteSize(), outBytes, 0, 0);
        }
        int cols = Math.toIntExact(t.dims()[0]);
        long rows = t.elementCount() / cols;
        long rowBytes = t.type().byteSize(cols);
        TensorEncoder.RowSource source;
        if (t.type() == GgmlType.F32) {
            source = (first, n, dst) -> MemorySegment.copy(data, LE_FLOAT, first * rowBytes, dst, 0, n * cols);
        } else {
            Dequantizer d = Kernels.dequantizer(t.type());
            source = (first, n, dst) -> d.dequantize(data, first * rowBytes, dst, 0, n * cols);
        }
        TensorEncoder.Stats stats;
        try (WritableByteChannel channel = out.openTensor(t.name())) {
            stats = encoder.encode(source, rows, cols, p.target(), measure, channel);
        }
        return new TensorResult(t.name(), t.dims(), t.type(), p.target(), t.byteSize(), outBytes, stats.rms(), stats.rmsError());
    }

    /** {@code [  3/ 21] blk.0.attn_q.weight  [256, 256]  F32 → Q4_K  256.0 KiB → 36.0 KiB  rms err 2.1e-03 (4.6%)}. */
    public static String progressLine(int index, int total, TensorResult r) {
        int width = String.valueOf(total).length();
        String head = String.format(Locale.ROOT, "[%" + width + "d/%d] %-32s %-14s", index, total, r.name(),
                Arrays.toString(r.dims()));
        if (r.from() == r.to()) {
            return head + String.format(Locale.ROOT, " %-5s copied       %s", r.to(), size(r.bytesOut()));
        }
        String line = head + String.format(Locale.ROOT, " %s -> %-5s %s -> %s", r.from(), r.to(), size(r.bytesIn()), size(r.bytesOut()));
        if (r.rms() > 0) {
            line += String.format(Locale.ROOT, "  rms err %.2e (%.2f%%)", r.rmsError(), 100 * r.rmsError() / r.rms());
        }
        return line;
    }

    /** Human-readable byte count (KiB / MiB / GiB). */
    public static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
