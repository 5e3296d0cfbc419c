package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.List;
import java.util.Set;

/**
 * ChatGLM3 / GLM-4-9B in THUDM's own format ({@code ChatGLMModel}), llama.cpp's {@code chatglm}:
 * fused {@code query_key_value} with bias and fused {@code dense_h_to_4h} (gate then up) stay fused;
 * RoPE on the first half of each head on adjacent pairs, which is already GGML's layout.
 */
public final class ChatGlmMapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "chatglm";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("ChatGLMModel", "ChatGLMForConditionalGeneration");
    }

    @Override
    public String modelType() {
        return "chatglm";
    }

    @Override
    public List<TensorRule> rules() {
        String l = "transformer.encoder.layers.{N}.";
        return List.of(
                TensorRule.of("transformer.embedding.word_embeddings.weight", "token_embd.weight"),
                TensorRule.of("transformer.encoder.final_layernorm.weight", "output_norm.weight"),
                TensorRule.of("transformer.output_layer.weight", "output.weight"),
                TensorRule.of(l + "input_layernorm.weight", "blk.{N}.attn_norm.weight"),
                TensorRule.of(l + "self_attention.query_key_value.weight", "blk.{N}.attn_qkv.weight"),
                TensorRule.of(l + "self_attention.query_key_value.bias", "blk.{N}.attn_qkv.bias"),
                TensorRule.of(l + "self_attention.dense.weight", "blk.{N}.attn_output.weight"),
                TensorRule.of(l + "post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"),
                TensorRule.of(l + "mlp.dense_h_to_4h.weight", "blk.{N}.ffn_up.weight"),
                TensorRule.of(l + "mlp.dense_4h_to_h.weight", "blk.{N}.ffn_down.weight"));
    }

    @Override
    public boolean ignored(String hfName) {
        return hfName.endsWith(".rotary_pos_emb.inv_freq");
    }

    @Override
    public int heads(HfConfig c) {
        return c.requireInt("num_attention_heads", "n_head");
    }

    @Override
    public int kvHeads(HfConfig c) {
        return c.intOr(heads(c), "multi_query_group_num", "num_key_value_heads");
    }

    @Override
    public boolean addBosDefault() {
        return false;
    }

    @Override
    public void writeHparams(HfConfig c, GgufWriter w) {
        int dim = c.requireInt("hidden_size");
        int heads = heads(c);
        w.putUInt32("chatglm.context_length", c.intOr(dim, "seq_length"));
        w.putUInt32("chatglm.embedding_length", dim);
        w.putUInt32("chatglm.feed_forward_length", c.intOr(4 * dim, "ffn_hidden_size", "intermediate_size"));
        w.putUInt32("chatglm.block_count", c.requireInt("num_layers", "num_hidden_layers"));
        w.putUInt32("chatglm.attention.head_count", heads);
        w.putUInt32("chatglm.attention.head_count_kv", kvHeads(c));
        w.putFloat32("chatglm.attention.layer_norm_rms_epsilon", c.number("layernorm_epsilon").orElse(1e-5).floatValue());
        int headDim = c.intOr(dim / heads, "attention_dim");
        w.putUInt32("chatglm.rope.dimension_count", (int) (headDim * c.number("partial_rotary_factor").orElse(0.5)));
        w.putFloat32("chatglm.rope.freq_base", (float) (10000 * c.number("rope_ratio").orElse(1.0)));
    }

    @Override
    public void exportConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        int dim = m.requireInt("chatglm.embedding_length", 1, Integer.MAX_VALUE);
        int heads = heads(m);
        int kv = kvHeads(m);
        o.put("padded_vocab_size", o.path("vocab_size").asInt());
        o.put("num_layers", m.requireInt("chatglm.block_count", 1, Integer.MAX_VALUE));
        o.put("hidden_size", dim);
        o.put("ffn_hidden_size", m.intOr("chatglm.feed_forward_length", 4 * dim, 1, Integer.MAX_VALUE));
        o.put("kv_channels", dim / heads);
        o.put("num_attention_heads", heads);
        o.put("multi_query_attention", kv != heads);
        o.put("multi_query_group_num", kv);
        o.put("seq_length", m.intOr("chatglm.context_length", 2048, 1, Integer.MAX_VALUE));
        o.put("layernorm_epsilon", clean(m.floatOr("chatglm.attention.layer_norm_rms_epsilon", 1e-5f)));
        o.put("rmsnorm", true);
        o.put("add_qkv_bias", tensors.contains("blk.0.attn_qkv.bias"));
        o.put("add_bias_linear", false);
        o.put("apply_residual_connection_post_layernorm", false);
        o.put("post_layer_norm", true);
        o.put("rope_ratio", clean(m.floatOr("chatglm.rope.freq_base", 10000f) / 10000f));
        int ropeDim = m.intOr("chatglm.rope.dimension_count", dim / heads / 2, 0, Integer.MAX_VALUE);
        o.put("partial_rotary_factor", clean((float) ropeDim / (dim / heads)));
    }
}
