package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.ConvertException;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.caravel.tools.convert.TensorRule.Layout.PERMUTE_K;
import static dev.caravel.tools.convert.TensorRule.Layout.PERMUTE_Q;

/**
 * Llama and Mistral checkpoints ({@code LlamaForCausalLM}, {@code MistralForCausalLM}), which
 * llama.cpp converts to its {@code llama} architecture: Q/K rows permuted for adjacent-pair RoPE,
 * {@code rope.dimension_count} = head size, linear RoPE scaling kept. A GGUF of architecture
 * {@code mistral} exports as {@code MistralForCausalLM}.
 */
public class LlamaMapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "llama";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("LlamaForCausalLM", "MistralForCausalLM", "LLaMAForCausalLM");
    }

    @Override
    public String hfArchitecture(GgufMetadata m) {
        return m.string("general.architecture").orElse("").equals("mistral") ? "MistralForCausalLM" : "LlamaForCausalLM";
    }

    @Override
    public String modelType() {
        return "llama";
    }

    /** Names shared by every Llama-style checkpoint; {@code q}/{@code k} layouts differ per family. */
    static List<TensorRule> llamaStyle(TensorRule.Layout q, TensorRule.Layout k) {
        List<TensorRule> r = new ArrayList<>(List.of(
                TensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
                TensorRule.of("model.norm.weight", "output_norm.weight"),
                TensorRule.of("lm_head.weight", "output.weight"),
                TensorRule.of("model.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight"),
                TensorRule.of("model.layers.{N}.self_attn.q_proj.weight", "blk.{N}.attn_q.weight", q),
                TensorRule.of("model.layers.{N}.self_attn.q_proj.bias", "blk.{N}.attn_q.bias", q),
                TensorRule.of("model.layers.{N}.self_attn.k_proj.weight", "blk.{N}.attn_k.weight", k),
                TensorRule.of("model.layers.{N}.self_attn.k_proj.bias", "blk.{N}.attn_k.bias", k),
                TensorRule.of("model.layers.{N}.self_attn.v_proj.weight", "blk.{N}.attn_v.weight"),
                TensorRule.of("model.layers.{N}.self_attn.v_proj.bias", "blk.{N}.attn_v.bias"),
                TensorRule.of("model.layers.{N}.self_attn.o_proj.weight", "blk.{N}.attn_output.weight"),
                TensorRule.of("model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"),
                TensorRule.of("model.layers.{N}.mlp.gate_proj.weight", "blk.{N}.ffn_gate.weight"),
                TensorRule.of("model.layers.{N}.mlp.up_proj.weight", "blk.{N}.ffn_up.weight"),
                TensorRule.of("model.layers.{N}.mlp.down_proj.weight", "blk.{N}.ffn_down.weight")));
        return r;
    }

    @Override
    public List<TensorRule> rules() {
        return llamaStyle(PERMUTE_Q, PERMUTE_K);
    }

    @Override
    protected void writeExtraHparams(HfConfig c, GgufWriter w) {
        String a = ggufArch();
        c.integer("vocab_size").ifPresent(v -> w.putUInt32(a + ".vocab_size", v));
        int headDim = c.intOr(c.requireInt("hidden_size") / heads(c), "head_dim");
        w.putUInt32(a + ".rope.dimension_count", headDim);
        if (c.has("head_dim") && headDim != c.requireInt("hidden_size") / heads(c)) {
            w.putUInt32(a + ".attention.key_length", headDim);
            w.putUInt32(a + ".attention.value_length", headDim);
        }
        var scaling = c.node("rope_scaling");
        if (scaling.isObject()) {
            String type = scaling.path("type").asText(scaling.path("rope_type").asText(""));
            if (type.equals("linear") && scaling.has("factor")) {
                w.putString(a + ".rope.scaling.type", "linear");
                w.putFloat32(a + ".rope.scaling.factor", (float) scaling.path("factor").asDouble());
            } else if (!type.isEmpty() && !type.equals("default")) {
                throw new ConvertException(c.file() + ": rope_scaling type '" + type + "' is not supported by convert yet");
            }
        }
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        o.put("hidden_act", "silu");
        o.put("attention_bias", tensors.contains("blk.0.attn_q.bias"));
        o.put("mlp_bias", false);
        String a = m.architecture();
        if ("linear".equals(m.string(a + ".rope.scaling.type").orElse(""))) {
            o.putObject("rope_scaling").put("type", "linear").put("factor", clean(m.floatOr(a + ".rope.scaling.factor", 1f)));
        }
    }
}
