package dev.caravel.tools.quantize;

import dev.caravel.tensor.GgmlType;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

import static dev.caravel.tensor.GgmlType.F16;
import static dev.caravel.tensor.GgmlType.Q3_K;
import static dev.caravel.tensor.GgmlType.Q4_0;
import static dev.caravel.tensor.GgmlType.Q4_K;
import static dev.caravel.tensor.GgmlType.Q5_0;
import static dev.caravel.tensor.GgmlType.Q5_1;
import static dev.caravel.tensor.GgmlType.Q5_K;
import static dev.caravel.tensor.GgmlType.Q6_K;
import static dev.caravel.tensor.GgmlType.Q8_0;
import static dev.caravel.tools.quantize.QuantType.Q2_K;
import static dev.caravel.tools.quantize.QuantType.Q3_K_L;
import static dev.caravel.tools.quantize.QuantType.Q3_K_M;
import static dev.caravel.tools.quantize.QuantType.Q3_K_S;
import static dev.caravel.tools.quantize.QuantType.Q4_K_M;
import static dev.caravel.tools.quantize.QuantType.Q4_K_S;
import static dev.caravel.tools.quantize.QuantType.Q5_K_M;

/**
 * Which type each tensor of a model gets for a {@link QuantType}: llama.cpp's {@code llama-quantize}
 * rules ({@code src/llama-quant.cpp}: {@code llama_tensor_get_type} and the checks around it, as in
 * 2025 releases; the reference files in {@code shared/models}, made by commit c392e50, are
 * reproduced byte for byte):
 * <ul>
 *   <li>only tensors named {@code *weight} with at least 2 dimensions are converted; norms,
 *       {@code position_embd}, {@code token_types}, MoE gate inputs, SSM convolutions, … keep their type;</li>
 *   <li>for the F32/F16/BF16 targets every convertible tensor gets that type, nothing else applies;</li>
 *   <li>for quantized targets {@code output.weight} (or {@code token_embd.weight} when the embeddings
 *       are tied) becomes Q6_K (Q8_0 if its rows are not a multiple of the block size, or the target
 *       is Q8_0); the {@code _M/_L/_S} mixes and Q2_K give {@code attn_v}, {@code attn_qkv},
 *       {@code attn_output} and {@code ffn_down} more bits, some only on the layers
 *       {@link #useMoreBits} picks;</li>
 *   <li>a type whose block does not divide the row length falls back: Q4_K → Q5_0, Q5_K → Q5_1,
 *       Q6_K → Q8_0, Q2_K/Q3_K → Q4_0, and F16 when even that does not fit.</li>
 * </ul>
 * llama-quantize has no fallback for the 32-block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): a row that
 * is not a multiple of 32 is an error there ("no tensor type fallback is defined"), and so it is
 * here. {@link #withConverterFallback} gives {@code convert_hf_to_gguf.py}'s behaviour instead,
 * which writes such a tensor as F16 ({@code QuantError} → "falling back to F16").
 *
 * <p>One deviation, documented because it changes files: llama.cpp of that date fell back from Q2_K
 * and Q3_K to IQ4_NL, which Caravel neither writes nor computes; current llama.cpp falls back to
 * Q4_0 as here. Only rows that are not a multiple of 256 are affected.
 *
 * <p>The rules count {@code attn_v}/{@code ffn_*} tensors as they go, so {@link #typeFor} must be
 * called once per tensor, in the order the tensors are processed ({@link #LLAMA_ORDER}). Not
 * thread-safe.
 */
public final class TensorTypeRules {
    /**
     * llama.cpp's processing (and output) order, its loader's {@code weight_name_comparer}: tensors
     * outside blocks first, then by block number, then by name (byte-wise, as {@code std::string}).
     */
    public static final Comparator<String> LLAMA_ORDER = Comparator
            .comparingInt(TensorTypeRules::layerOf)
            .thenComparing((a, b) -> java.util.Arrays.compareUnsigned(
                    a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));

    private static final List<String> NEVER_QUANTIZED = List.of("_norm.weight", "ffn_gate_inp.weight", "altup",
            "laurel", "per_layer_model_proj", "ssm_conv1d.weight", "shortconv.conv.weight", "time_mix_first.weight",
            "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight",
            "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight",
            "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight",
            "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd.");

    private final QuantType target;
    private final ModelParams params;
    private final boolean hasOutput;
    private final int nAttentionV;
    private int iAttentionV;
    private int iFfnDown;
    private int iFfnGate;
    private int iFfnUp;
    private int fallbacks;
    private boolean converterFallback;

    /**
     * @param tensorNames every tensor of the model: the rules need to know whether there is an
     *                    {@code output.weight} and how many attention-value tensors there are
     */
    public TensorTypeRules(QuantType target, ModelParams params, Collection<String> tensorNames) {
        this.target = target;
        this.params = params;
        this.hasOutput = tensorNames.contains("output.weight");
        int n = 0;
        for (String name : tensorNames) {
            if (name.contains("attn_v.weight") || name.contains("attn_qkv.weight") || name.contains("attn_kv_b.weight")) {
                n++;
            }
        }
        this.nAttentionV = n;
    }

    /**
     * Rows that no quantized type of the target fits (not a multiple of 32) get F16 instead of an
     * error, as {@code convert_hf_to_gguf.py --outtype q8_0} does; for {@code caravel convert}.
     */
    public TensorTypeRules withConverterFallback() {
        this.converterFallback = true;
        return this;
    }

    /**
     * Whether llama-quantize converts this tensor at all (otherwise it is copied in its own type).
     *
     * @param dims GGML order, innermost first
     */
    public static boolean allowsConversion(String name, long[] dims) {
        if (significantDims(dims) < 2 || !name.endsWith("weight")) {
            return false;
        }
        if (name.equals("position_embd.weight") || name.equals("token_types.weight")) {
            return false;
        }
        for (String part : NEVER_QUANTIZED) {
            if (name.contains(part)) {
                return false;
            }
        }
        return true;
    }

    /** ggml's {@code ggml_n_dims}: trailing dimensions of size 1 do not count (a [256, 1] tensor is 1-D). */
    static int significantDims(long[] dims) {
        for (int i = dims.length - 1; i >= 1; i--) {
            if (dims[i] > 1) {
                return i + 1;
            }
        }
        return 1;
    }

    /**
     * The type the tensor gets in the output. Call once per tensor, in processing order.
     *
     * @param current the tensor's type in the source (kept when the tensor is not converted)
     * @throws IllegalArgumentException if the row length fits no quantized type (not a multiple of 32
     *                                  for a 32-block target)
     */
    public GgmlType typeFor(String name, long[] dims, GgmlType current) {
        if (!allowsConversion(name, dims)) {
            return current;
        }
        GgmlType type = target.defaultType();
        if (!type.isQuantized()) {
            return type;
        }
        return fallback(name, dims[0], mix(name, dims[0], type));
    }

    /** How many tensors got a fallback type because of their row length. */
    public int fallbacks() {
        return fallbacks;
    }

    /**
     * llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third one
     * in between get more bits in the {@code _M} mixes.
     */
    public static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private GgmlType mix(String name, long rowLength, GgmlType type) {
        QuantType t = target;
        boolean falcon = params.isFalcon();
        if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
            // The output projection decides most of the quality: 6 bits unless 8 were asked for.
            if (falcon || rowLength % type.blockSize() != 0) {
                return Q8_0;
            }
            return type == Q8_0 ? type : Q6_K;
        }
        if (name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight")) {
            return type; // only IQ / ternary targets change embeddings
        }
        if (name.contains("attn_v.weight")) {
            if (t == Q2_K) {
                type = params.gqa() >= 4 ? Q4_K : Q3_K;
            } else if (t == Q3_K_M) {
                type = iAttentionV < 2 ? Q5_K : Q4_K;
            } else if (t == Q3_K_L) {
                type = Q5_K;
            } else if ((t == Q4_K_M || t == Q5_K_M) && useMoreBits(iAttentionV, nAttentionV)) {
                type = Q6_K;
            } else if (t == Q4_K_S && iAttentionV < 4) {
                type = Q5_K;
            }
            if (params.is70B() && (type == Q3_K || type == Q4_K)) {
                type = Q5_K; // 8 query heads share each value head there: more bits are nearly free
            }
            if (params.experts() == 8) {
                type = Q8_0;
            }
            iAttentionV++;
        } else if (name.contains("attn_k.weight")) {
            if (params.experts() == 8) {
                type = Q8_0;
            }
        } else if (name.contains("attn_q.weight")) {
            return type;
        } else if (name.contains("ffn_down")) {
            int n = params.layers();
            int i = layer(iFfnDown, n, name);
            if (t == Q2_K) {
                type = Q3_K;
            } else if (t == Q3_K_M) {
                type = i < n / 16 ? Q5_K : !falcon || useMoreBits(i, n) ? Q4_K : Q3_K;
            } else if (t == Q3_K_L) {
                type = falcon ? Q4_K : Q5_K;
            } else if (t == Q4_K_M) {
                if (falcon) {
                    type = i < n / 16 ? Q6_K : useMoreBits(i, n) ? Q5_K : Q4_K;
                } else if (useMoreBits(i, n)) {
                    type = Q6_K;
                }
            } else if (t == Q5_K_M && useMoreBits(i, n)) {
                type = Q6_K;
            } else if (t == Q4_K_S && !falcon && i < n / 8) {
                type = Q5_K;
            }
            iFfnDown++;
        } else if (name.contains("attn_output.weight")) {
            if (!falcon) {
                if (params.experts() == 8) {
                    if (t == Q2_K || t == Q3_K_S || t == Q3_K_M || t == Q4_K_S || t == Q4_K_M) {
                        type = Q5_K;
                    }
                } else if (t == Q2_K) {
                    type = Q3_K;
                } else if (t == Q3_K_M) {
                    type = Q4_K;
                } else if (t == Q3_K_L) {
                    type = Q5_K;
                }
            } else if (t == Q3_K_L) {
                type = Q4_K;
            }
        } else if (name.contains("attn_qkv.weight")) {
            if (t == Q3_K_M || t == Q3_K_L) {
                type = Q4_K;
            } else if (t == Q4_K_M) {
                type = Q5_K;
            } else if (t == Q5_K_M) {
                type = Q6_K;
            }
        } else if (name.contains("ffn_gate")) {
            layer(iFfnGate, params.layers(), name); // validates MoE names, as llama.cpp does
            iFfnGate++;
        } else if (name.contains("ffn_up")) {
            layer(iFfnUp, params.layers(), name);
            iFfnUp++;
        }
        return type;
    }

    /**
     * The layer of an FFN tensor: its running count for dense models; parsed from the name for MoE
     * models, whose expert tensors need not come in layer order.
     */
    private int layer(int counted, int layers, String name) {
        if (Math.max(1, params.experts()) == 1) {
            return counted;
        }
        int layer = layerOf(name);
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("cannot tell the layer of tensor '" + name + "' (must be in [0, " + layers + "))");
        }
        return layer;
    }

    private GgmlType fallback(String name, long rowLength, GgmlType type) {
        if (rowLength % type.blockSize() == 0) {
            return type;
        }
        fallbacks++;
        GgmlType f = switch (type) {
            case Q2_K, Q3_K -> Q4_0;
            case Q4_K -> Q5_0;
            case Q5_K -> Q5_1;
            case Q6_K -> Q8_0;
            default -> {
                if (converterFallback) {
                    yield F16;
                }
                throw new IllegalArgumentException("tensor '" + name + "': rows of " + rowLength + " elements cannot be stored as "
                        + type + " (needs a multiple of " + type.blockSize() + "; llama-quantize has no fallback for it either)");
            }
        };
        return rowLength % f.blockSize() == 0 ? f : F16;
    }

    /** The {@code N} of a {@code blk.N.} prefix, or -1 (what {@code sscanf(name, "blk.%d.")} leaves). */
    static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int i = 4;
        while (i < name.length() && Character.isWhitespace(name.charAt(i))) {
            i++;
        }
        int start = i;
        if (i < name.length() && (name.charAt(i) == '+' || name.charAt(i) == '-')) {
            i++;
        }
        int digits = i;
        while (i < name.length() && name.charAt(i) >= '0' && name.charAt(i) <= '9') {
            i++;
        }
        if (i == digits) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(start, i));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
