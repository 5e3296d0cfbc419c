package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.caravel.tools.convert.TensorRule.Layout.SAME;

/**
 * GLM-4-0414 ({@code Glm4ForCausalLM}) as later llama.cpp's {@code glm4}: separate Q/K/V with
 * biases, fused {@code gate_up_proj} ({@code ffn_up} holding gate then up), extra norms after
 * attention and MLP, partial RoPE on adjacent pairs (GLM's interleaved layout, so no permutation).
 * Note the Hugging Face names: {@code post_attention_layernorm} is the pre-MLP norm, and
 * {@code post_self_attn_layernorm} / {@code post_mlp_layernorm} are the post norms. llama.cpp of
 * commit c392e50 predates this architecture.
 */
public final class Glm4Mapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "glm4";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Glm4ForCausalLM");
    }

    @Override
    public String modelType() {
        return "glm4";
    }

    @Override
    public List<TensorRule> rules() {
        List<TensorRule> r = new ArrayList<>();
        for (TensorRule t : LlamaMapping.llamaStyle(SAME, SAME)) {
            if (!t.gguf().contains("ffn_gate") && !t.gguf().contains("ffn_up")) {
                r.add(t);
            }
        }
        r.add(TensorRule.of("model.layers.{N}.mlp.gate_up_proj.weight", "blk.{N}.ffn_up.weight"));
        r.add(TensorRule.of("model.layers.{N}.post_self_attn_layernorm.weight", "blk.{N}.post_attention_norm.weight"));
        r.add(TensorRule.of("model.layers.{N}.post_mlp_layernorm.weight", "blk.{N}.post_ffw_norm.weight"));
        return r;
    }

    @Override
    protected void writeExtraHparams(HfConfig c, GgufWriter w) {
        int headDim = c.intOr(c.requireInt("hidden_size") / heads(c), "head_dim");
        w.putUInt32("glm4.attention.key_length", headDim);
        w.putUInt32("glm4.attention.value_length", headDim);
        w.putUInt32("glm4.rope.dimension_count", (int) (headDim * c.number("partial_rotary_factor").orElse(0.5)));
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        int dim = m.requireInt("glm4.embedding_length", 1, Integer.MAX_VALUE);
        int headDim = m.intOr("glm4.attention.key_length", dim / heads(m), 1, Integer.MAX_VALUE);
        o.put("head_dim", headDim);
        o.put("partial_rotary_factor", clean((float) m.intOr("glm4.rope.dimension_count", headDim / 2, 0, headDim) / headDim));
        o.put("attention_bias", tensors.contains("blk.0.attn_q.bias"));
        o.put("hidden_act", "silu");
    }
}
