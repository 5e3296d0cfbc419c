package dev.caravel.tools.synth;

import dev.caravel.format.gguf.GgufWriter;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight model of a real shape ({@link SynthPreset}) as a GGUF file that Caravel and
 * llama.cpp load: all {@code <arch>.*} hyper-parameters, a byte-level BPE tokenizer with the
 * preset's vocabulary size ({@link ByteLevelVocab}), ChatML special tokens and chat template.
 *
 * <p>Weights: matrices and biases ~ N(0, 0.02²), norm weights ~ 1 + N(0, 0.02²), so activations keep
 * a sane scale through the layers. Each row comes from its own generator seeded by (seed, tensor
 * name, row): the file depends only on the preset, type and seed — not on threads or chunking.
 * Tensors get the types {@link TensorTypeRules} gives them for the chosen {@link QuantType} (an F32
 * source), so {@code synth --type T} writes the same tensor data as {@code synth --type F32} followed
 * by {@code quantize T}. Rows are generated and quantized on the fly and streamed to disk: memory use
 * does not grow with the model.
 */
public final class ModelSynthesizer {
    /** Standard deviation of weights and biases. */
    public static final double STD = 0.02;
    /** The ChatML specials, appended at the end of the vocabulary. */
    public static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    /** ChatML, as Qwen2.5 and SmolLM2 use (llama.cpp recognizes it by {@code <|im_start|>}). */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private ModelSynthesizer() {
    }

    /**
     * @param seed     the random seed
     * @param threads  worker threads (≥ 1)
     * @param progress where to print one line per tensor, or null
     */
    public record Options(long seed, int threads, PrintStream progress) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("the thread count must be at least 1, not " + threads);
            }
        }

        public static Options seeded(long seed) {
            return new Options(seed, Runtime.getRuntime().availableProcessors(), null);
        }
    }

    /** What was written. */
    public record Result(Path path, long fileBytes, int tensors, long parameters, long nanos) {
    }

    /** How a tensor's values are made. */
    enum Kind { MATRIX, NORM, BIAS, ROPE_FREQS }

    /** One tensor to write; {@code dims} in GGML order. */
    record Spec(String name, Kind kind, long... dims) {
        long cols() {
            return dims[0];
        }

        long rows() {
            long r = 1;
            for (int i = 1; i < dims.length; i++) {
                r *= dims[i];
            }
            return r;
        }
    }

    /** The tensors of a preset, in the order {@code convert_hf_to_gguf.py} writes them. */
    static List<Spec> tensors(SynthPreset p) {
        long d = p.dim();
        long q = (long) p.heads() * p.headDim();
        long kv = (long) p.kvHeads() * p.headDim();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("token_embd.weight", Kind.MATRIX, d, p.vocab()));
        if (p.ropeScaling() != null) {
            specs.add(new Spec("rope_freqs.weight", Kind.ROPE_FREQS, p.headDim() / 2));
        }
        for (int i = 0; i < p.layers(); i++) {
            String b = "blk." + i + ".";
            specs.add(new Spec(b + "attn_norm.weight", Kind.NORM, d));
            specs.add(new Spec(b + "attn_q.weight", Kind.MATRIX, d, q));
            specs.add(new Spec(b + "attn_k.weight", Kind.MATRIX, d, kv));
            specs.add(new Spec(b + "attn_v.weight", Kind.MATRIX, d, kv));
            if (p.qkvBias()) {
                specs.add(new Spec(b + "attn_q.bias", Kind.BIAS, q));
                specs.add(new Spec(b + "attn_k.bias", Kind.BIAS, kv));
                specs.add(new Spec(b + "attn_v.bias", Kind.BIAS, kv));
            }
            specs.add(new Spec(b + "attn_output.weight", Kind.MATRIX, q, d));
            specs.add(new Spec(b + "ffn_norm.weight", Kind.NORM, d));
            specs.add(new Spec(b + "ffn_gate.weight", Kind.MATRIX, d, p.ffn()));
            specs.add(new Spec(b + "ffn_up.weight", Kind.MATRIX, d, p.ffn()));
            specs.add(new Spec(b + "ffn_down.weight", Kind.MATRIX, p.ffn(), d));
        }
        specs.add(new Spec("output_norm.weight", Kind.NORM, d));
        if (!p.tiedEmbeddings()) {
            specs.add(new Spec("output.weight", Kind.MATRIX, d, p.vocab()));
        }
        return specs;
    }

    /**
     * Writes the model to {@code out} (replacing any file there; nothing appears there on failure).
     *
     * @throws IOException if the file cannot be written (a full disk included)
     */
    public static Result synthesize(SynthPreset preset, QuantType type, Path out, Options options) throws IOException {
        long t0 = System.nanoTime();
        List<Spec> specs = tensors(preset);
        Map<String, GgmlType> types = types(preset, type, specs);
        try (GgufWriter w = GgufWriter.create(out);
             TensorEncoder encoder = new TensorEncoder(options.threads())) {
            writeMetadata(w, preset, type, options.seed());
            for (Spec s : specs) {
                w.addTensor(s.name(), types.get(s.name()), s.dims());
            }
            int index = 0;
            for (Spec s : specs) {
                GgmlType t = types.get(s.name());
                long nameSeed = mix(options.seed() ^ mix(s.name().hashCode()));
                TensorEncoder.RowSource source = s.kind() == Kind.ROPE_FREQS
                        ? (first, n, dst) -> System.arraycopy(preset.ropeScaling().factors(preset.ropeTheta(), preset.headDim()), 0, dst, 0, n * (int) s.cols())
                        : (first, n, dst) -> fill(s.kind(), nameSeed, first, n, (int) s.cols(), dst);
                try (WritableByteChannel ch = w.openTensor(s.name())) {
                    encoder.encode(source, s.rows(), (int) s.cols(), t, false, ch);
                }
                index++;
                if (options.progress() != null) {
                    long bytes = t.byteSize(s.rows() * s.cols());
                    options.progress().printf(Locale.ROOT, "[%" + String.valueOf(specs.size()).length() + "d/%d] %-32s %-14s %-5s %s%n",
                            index, specs.size(), s.name(), java.util.Arrays.toString(s.dims()), t, ModelQuantizer.size(bytes));
                }
            }
        }
        long params = specs.stream().mapToLong(s -> s.rows() * s.cols()).sum();
        return new Result(out, Files.size(out), specs.size(), params, System.nanoTime() - t0);
    }

    /** Types per tensor: the quantizer's rules, applied in llama.cpp's order as llama-quantize would. */
    private static Map<String, GgmlType> types(SynthPreset p, QuantType type, List<Spec> specs) {
        List<Spec> ordered = new ArrayList<>(specs);
        ordered.sort((a, b) -> TensorTypeRules.LLAMA_ORDER.compare(a.name(), b.name()));
        TensorTypeRules rules = new TensorTypeRules(type,
                new ModelParams(p.architecture(), p.layers(), p.heads(), p.kvHeads(), 0),
                specs.stream().map(Spec::name).toList());
        Map<String, GgmlType> types = new HashMap<>();
        for (Spec s : ordered) {
            types.put(s.name(), rules.typeFor(s.name(), s.dims(), GgmlType.F32));
        }
        return types;
    }

    private static void fill(Kind kind, long nameSeed, long firstRow, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            SplittableRandom rng = new SplittableRandom(mix(nameSeed + firstRow + r));
            int o = r * cols;
            double base = kind == Kind.NORM ? 1.0 : 0.0;
            for (int c = 0; c < cols; c++) {
                dst[o + c] = (float) (base + STD * rng.nextGaussian());
            }
        }
    }

    /** SplitMix64's finalizer: decorrelates nearby seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void writeMetadata(GgufWriter w, SynthPreset p, QuantType type, long seed) {
        String a = p.architecture();
        w.putString("general.architecture", a);
        w.putString("general.type", "model");
        w.putString("general.name", p.displayName());
        w.putString("general.description", "random weights from caravel synth --preset " + p.name() + " --seed " + seed);
        w.putUInt32(a + ".block_count", p.layers());
        w.putUInt32(a + ".context_length", p.contextLength());
        w.putUInt32(a + ".embedding_length", p.dim());
        w.putUInt32(a + ".feed_forward_length", p.ffn());
        w.putUInt32(a + ".attention.head_count", p.heads());
        w.putUInt32(a + ".attention.head_count_kv", p.kvHeads());
        w.putFloat32(a + ".rope.freq_base", p.ropeTheta());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", p.rmsEps());
        if (a.equals("llama")) {
            w.putUInt32(a + ".vocab_size", p.vocab());
            w.putUInt32(a + ".rope.dimension_count", p.headDim());
        }
        w.putUInt32("general.file_type", type.fileType());
        w.putUInt32("general.quantization_version", ModelQuantizer.QUANTIZATION_VERSION);

        ByteLevelVocab vocab = ByteLevelVocab.build(p.vocab(), SPECIALS);
        int endOfText = p.vocab() - 3;
        int imEnd = p.vocab() - 1;
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", p.tokenizerPre());
        w.putStringArray("tokenizer.ggml.tokens", vocab.tokens());
        w.putInt32Array("tokenizer.ggml.token_type", vocab.types());
        w.putStringArray("tokenizer.ggml.merges", vocab.merges());
        w.putUInt32("tokenizer.ggml.bos_token_id", endOfText);
        w.putUInt32("tokenizer.ggml.eos_token_id", imEnd);
        w.putUInt32("tokenizer.ggml.eot_token_id", imEnd);
        w.putUInt32("tokenizer.ggml.padding_token_id", endOfText);
        w.putBool("tokenizer.ggml.add_bos_token", false);
        w.putString("tokenizer.chat_template", CHAT_TEMPLATE);
    }
}
