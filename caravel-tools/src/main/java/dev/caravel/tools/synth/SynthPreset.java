package dev.caravel.tools.synth;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of a model to synthesize: a real model's hyper-parameters (or a tiny one for tests).
 *
 * @param name           the preset's CLI name
 * @param displayName    written as {@code general.name}
 * @param architecture   {@code llama} or {@code qwen2}
 * @param dim            embedding width
 * @param layers         transformer blocks
 * @param heads          query heads (head size {@code dim / heads})
 * @param kvHeads        key/value heads
 * @param ffn            feed-forward width
 * @param vocab          vocabulary size (rows of {@code token_embd})
 * @param tiedEmbeddings no {@code output.weight}: the output projection reuses {@code token_embd}
 * @param qkvBias        Q/K/V projections have biases (Qwen2)
 * @param ropeTheta      RoPE base frequency
 * @param rmsEps         RMSNorm epsilon
 * @param contextLength  training context
 * @param tokenizerPre   {@code tokenizer.ggml.pre}: llama.cpp's pre-tokenizer name
 * @param ropeScaling    Llama 3 frequency scaling written as {@code rope_freqs.weight}, or null
 */
public record SynthPreset(String name, String displayName, String architecture, int dim, int layers, int heads,
                          int kvHeads, int ffn, int vocab, boolean tiedEmbeddings, boolean qkvBias, float ropeTheta,
                          float rmsEps, int contextLength, String tokenizerPre, Llama3RopeScaling ropeScaling) {

    /**
     * Llama 3.1+ RoPE scaling: long wavelengths are slowed down by {@code factor}, short ones kept, the
     * band between interpolated (what {@code convert_hf_to_gguf.py} writes as {@code rope_freqs}).
     */
    public record Llama3RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {
        /** The per-frequency divisors, {@code headDim / 2} of them. */
        public float[] factors(float theta, int headDim) {
            float[] out = new float[headDim / 2];
            double lowWavelen = originalContext / lowFreqFactor;
            double highWavelen = originalContext / highFreqFactor;
            for (int i = 0; i < out.length; i++) {
                double freq = 1.0 / Math.pow(theta, 2.0 * i / headDim);
                double wavelen = 2 * Math.PI / freq;
                if (wavelen < highWavelen) {
                    out[i] = 1f;
                } else if (wavelen > lowWavelen) {
                    out[i] = factor;
                } else {
                    double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                }
            }
            return out;
        }
    }

    public SynthPreset {
        if (!architecture.equals("llama") && !architecture.equals("qwen2")) {
            throw new IllegalArgumentException("can synthesize llama and qwen2 models, not " + architecture);
        }
        if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
            throw new IllegalArgumentException(name + ": heads must divide dim (with an even head size) and kv heads the heads");
        }
    }

    public static final SynthPreset SMOLLM2_135M = new SynthPreset("smollm2-135m", "SmolLM2 135M (random weights)", "llama",
            576, 30, 9, 3, 1536, 49152, true, false, 100000f, 1e-5f, 8192, "smollm", null);
    public static final SynthPreset QWEN25_05B = new SynthPreset("qwen2.5-0.5b", "Qwen2.5 0.5B (random weights)", "qwen2",
            896, 24, 14, 2, 4864, 151936, true, true, 1000000f, 1e-6f, 32768, "qwen2", null);
    public static final SynthPreset LLAMA32_1B = new SynthPreset("llama3.2-1b", "Llama 3.2 1B (random weights)", "llama",
            2048, 16, 32, 8, 8192, 128256, true, false, 500000f, 1e-5f, 131072, "llama-bpe",
            new Llama3RopeScaling(32f, 1f, 4f, 8192));
    /** Seconds to write in any type: rows of 64 make every K-quant fall back, ffn_down rows of 256 do not. */
    public static final SynthPreset TEST_TINY = new SynthPreset("test-tiny", "test-tiny (random weights)", "llama",
            64, 2, 4, 2, 256, 1000, false, false, 10000f, 1e-5f, 2048, "llama-bpe", null);
    /** As {@link #TEST_TINY} with Qwen2's Q/K/V biases and tied embeddings. */
    public static final SynthPreset TEST_TINY_QWEN2 = new SynthPreset("test-tiny-qwen2", "test-tiny-qwen2 (random weights)",
            "qwen2", 64, 2, 4, 2, 256, 1000, true, true, 1000000f, 1e-6f, 2048, "qwen2", null);

    public static final List<SynthPreset> ALL = List.of(SMOLLM2_135M, QWEN25_05B, LLAMA32_1B, TEST_TINY, TEST_TINY_QWEN2);

    /** The preset of that name (case-insensitive). */
    public static SynthPreset named(String name) {
        for (SynthPreset p : ALL) {
            if (p.name.equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + names() + ")");
    }

    public static String names() {
        return ALL.stream().map(SynthPreset::name).collect(Collectors.joining(", "));
    }

    public int headDim() {
        return dim / heads;
    }

    /** Parameters (elements of all tensors). */
    public long parameters() {
        long kv = (long) kvHeads * headDim();
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2 * dim * kv + 3L * dim * ffn + (qkvBias ? dim + 2 * kv : 0);
        long total = (long) vocab * dim * (tiedEmbeddings ? 1 : 2) + dim + layers * perLayer;
        return total + (ropeScaling == null ? 0 : headDim() / 2);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(new int[]{dim, layers, heads, kvHeads, ffn, vocab});
    }
}
