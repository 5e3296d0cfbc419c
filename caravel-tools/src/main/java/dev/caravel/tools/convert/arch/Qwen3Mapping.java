package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.caravel.tools.convert.TensorRule.Layout.SAME;

/**
 * Qwen3 dense ({@code Qwen3ForCausalLM}): Qwen2 without biases plus per-head RMSNorms on queries and
 * keys ({@code q_norm}/{@code k_norm} → {@code attn_q_norm}/{@code attn_k_norm}); its head size is
 * explicit ({@code head_dim}), so key/value lengths are written. llama.cpp of commit c392e50 predates
 * Qwen3; names and keys follow later llama.cpp (and Caravel's reader).
 */
public final class Qwen3Mapping extends Qwen2Mapping {
    @Override
    public String ggufArch() {
        return "qwen3";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen3ForCausalLM");
    }

    @Override
    public String modelType() {
        return "qwen3";
    }

    @Override
    public List<TensorRule> rules() {
        List<TensorRule> r = new ArrayList<>(LlamaMapping.llamaStyle(SAME, SAME));
        r.add(TensorRule.of("model.layers.{N}.self_attn.q_norm.weight", "blk.{N}.attn_q_norm.weight"));
        r.add(TensorRule.of("model.layers.{N}.self_attn.k_norm.weight", "blk.{N}.attn_k_norm.weight"));
        return r;
    }

    @Override
    protected void writeExtraHparams(HfConfig c, GgufWriter w) {
        if (c.has("head_dim")) {
            w.putUInt32("qwen3.attention.key_length", c.requireInt("head_dim"));
            w.putUInt32("qwen3.attention.value_length", c.requireInt("head_dim"));
        }
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        super.exportExtraConfig(o, m, tensors);
        int dim = m.requireInt("qwen3.embedding_length", 1, Integer.MAX_VALUE);
        o.put("head_dim", m.intOr("qwen3.attention.key_length", dim / heads(m), 1, Integer.MAX_VALUE));
        o.put("attention_bias", false);
    }
}
