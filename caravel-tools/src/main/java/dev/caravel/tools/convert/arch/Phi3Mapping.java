package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.ConvertException;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.List;
import java.util.Set;

/**
 * Phi-3 / Phi-3.5 ({@code Phi3ForCausalLM}): fused {@code qkv_proj} and {@code gate_up_proj} stay
 * fused ({@code attn_qkv}, and {@code ffn_up} holding gate then up), NeoX RoPE (no permutation),
 * sliding window kept. LongRoPE checkpoints (with {@code rope_scaling}) are refused for now.
 */
public final class Phi3Mapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "phi3";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Phi3ForCausalLM");
    }

    @Override
    public String modelType() {
        return "phi3";
    }

    @Override
    public List<TensorRule> rules() {
        return List.of(
                TensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
                TensorRule.of("model.norm.weight", "output_norm.weight"),
                TensorRule.of("lm_head.weight", "output.weight"),
                TensorRule.of("model.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight"),
                TensorRule.of("model.layers.{N}.self_attn.qkv_proj.weight", "blk.{N}.attn_qkv.weight"),
                TensorRule.of("model.layers.{N}.self_attn.o_proj.weight", "blk.{N}.attn_output.weight"),
                TensorRule.of("model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"),
                TensorRule.of("model.layers.{N}.mlp.gate_up_proj.weight", "blk.{N}.ffn_up.weight"),
                TensorRule.of("model.layers.{N}.mlp.down_proj.weight", "blk.{N}.ffn_down.weight"));
    }

    @Override
    public void writeHparams(HfConfig c, GgufWriter w) {
        if (c.node("rope_scaling").isObject()) {
            throw new ConvertException(c.file() + ": Phi-3 rope_scaling (LongRoPE) is not supported by convert yet");
        }
        int dim = c.requireInt("hidden_size");
        int heads = heads(c);
        int ctx = c.requireInt("max_position_embeddings");
        w.putUInt32("phi3.context_length", ctx);
        w.putUInt32("phi3.rope.scaling.original_context_length", c.intOr(ctx, "original_max_position_embeddings"));
        w.putUInt32("phi3.embedding_length", dim);
        w.putUInt32("phi3.feed_forward_length", c.requireInt("intermediate_size"));
        w.putUInt32("phi3.block_count", c.requireInt("num_hidden_layers"));
        w.putUInt32("phi3.attention.head_count", heads);
        w.putUInt32("phi3.attention.head_count_kv", kvHeads(c));
        w.putFloat32("phi3.attention.layer_norm_rms_epsilon", c.number("rms_norm_eps").orElse(1e-5).floatValue());
        double partial = c.number("partial_rotary_factor").orElse(1.0);
        w.putUInt32("phi3.rope.dimension_count", (int) (partial * (dim / heads)));
        c.number("rope_theta").ifPresent(v -> w.putFloat32("phi3.rope.freq_base", v.floatValue()));
        w.putUInt32("phi3.attention.sliding_window", c.intOr(0, "sliding_window"));
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        o.put("hidden_act", "silu");
        int window = m.intOr("phi3.attention.sliding_window", 0, 0, Integer.MAX_VALUE);
        if (window > 0) {
            o.put("sliding_window", window);
        } else {
            o.putNull("sliding_window");
        }
        o.put("original_max_position_embeddings",
                m.intOr("phi3.rope.scaling.original_context_length", m.intOr("phi3.context_length", 4096, 1, Integer.MAX_VALUE), 1, Integer.MAX_VALUE));
        o.putNull("rope_scaling");
    }
}
