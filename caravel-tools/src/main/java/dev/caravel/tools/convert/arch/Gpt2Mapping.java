package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.util.List;
import java.util.Set;

import static dev.caravel.tools.convert.TensorRule.Layout.TRANSPOSE;

/**
 * GPT-2 ({@code GPT2LMHeadModel}): Hugging Face keeps OpenAI's {@code Conv1D} layers, whose weights
 * are (in, out), so the four projection matrices are transposed; the fused QKV stays fused. The
 * output head is tied to {@code wte} in GPT-2, and llama.cpp writes it out as {@code output.weight};
 * an {@code lm_head.weight} in the checkpoint (an untied export) is used instead when present.
 */
public final class Gpt2Mapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "gpt2";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("GPT2LMHeadModel");
    }

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public List<TensorRule> rules() {
        return List.of(
                TensorRule.of("transformer.wte.weight", "token_embd.weight"),
                TensorRule.of("transformer.wpe.weight", "position_embd.weight"),
                TensorRule.of("transformer.ln_f.weight", "output_norm.weight"),
                TensorRule.of("transformer.ln_f.bias", "output_norm.bias"),
                TensorRule.of("lm_head.weight", "output.weight"),
                TensorRule.of("transformer.h.{N}.ln_1.weight", "blk.{N}.attn_norm.weight"),
                TensorRule.of("transformer.h.{N}.ln_1.bias", "blk.{N}.attn_norm.bias"),
                TensorRule.of("transformer.h.{N}.attn.c_attn.weight", "blk.{N}.attn_qkv.weight", TRANSPOSE),
                TensorRule.of("transformer.h.{N}.attn.c_attn.bias", "blk.{N}.attn_qkv.bias"),
                TensorRule.of("transformer.h.{N}.attn.c_proj.weight", "blk.{N}.attn_output.weight", TRANSPOSE),
                TensorRule.of("transformer.h.{N}.attn.c_proj.bias", "blk.{N}.attn_output.bias"),
                TensorRule.of("transformer.h.{N}.ln_2.weight", "blk.{N}.ffn_norm.weight"),
                TensorRule.of("transformer.h.{N}.ln_2.bias", "blk.{N}.ffn_norm.bias"),
                TensorRule.of("transformer.h.{N}.mlp.c_fc.weight", "blk.{N}.ffn_up.weight", TRANSPOSE),
                TensorRule.of("transformer.h.{N}.mlp.c_fc.bias", "blk.{N}.ffn_up.bias"),
                TensorRule.of("transformer.h.{N}.mlp.c_proj.weight", "blk.{N}.ffn_down.weight", TRANSPOSE),
                TensorRule.of("transformer.h.{N}.mlp.c_proj.bias", "blk.{N}.ffn_down.bias"));
    }

    @Override
    public String normalize(String hfName) {
        // OpenAI's original upload names tensors without the "transformer." prefix.
        return hfName.startsWith("transformer.") || hfName.startsWith("lm_head.") ? hfName : "transformer." + hfName;
    }

    @Override
    public boolean ignored(String hfName) {
        return hfName.endsWith(".attn.bias") || hfName.endsWith(".attn.masked_bias");
    }

    @Override
    public boolean duplicateEmbeddingAsOutput() {
        return true;
    }

    @Override
    public void writeHparams(HfConfig c, GgufWriter w) {
        int dim = c.requireInt("n_embd", "hidden_size");
        w.putUInt32("gpt2.block_count", c.requireInt("n_layer"));
        w.putUInt32("gpt2.context_length", c.requireInt("n_ctx", "n_positions"));
        w.putUInt32("gpt2.embedding_length", dim);
        w.putUInt32("gpt2.feed_forward_length", c.intOr(4 * dim, "n_inner"));
        w.putUInt32("gpt2.attention.head_count", c.requireInt("n_head"));
        w.putFloat32("gpt2.attention.layer_norm_epsilon", c.number("layer_norm_epsilon").orElse(1e-5).floatValue());
    }

    @Override
    public int heads(HfConfig c) {
        return c.requireInt("n_head", "num_attention_heads");
    }

    @Override
    public void exportConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        int dim = m.requireInt("gpt2.embedding_length", 1, Integer.MAX_VALUE);
        int ctx = m.intOr("gpt2.context_length", 1024, 1, Integer.MAX_VALUE);
        o.put("n_embd", dim);
        o.put("n_layer", m.requireInt("gpt2.block_count", 1, Integer.MAX_VALUE));
        o.put("n_head", heads(m));
        o.put("n_positions", ctx);
        o.put("n_ctx", ctx);
        o.put("n_inner", m.intOr("gpt2.feed_forward_length", 4 * dim, 1, Integer.MAX_VALUE));
        o.put("layer_norm_epsilon", clean(m.floatOr("gpt2.attention.layer_norm_epsilon", 1e-5f)));
        o.put("activation_function", "gelu_new");
        // llama.cpp always stores output.weight; only a head that differs from wte needs lm_head.
        o.put("tie_word_embeddings", false);
    }
}
