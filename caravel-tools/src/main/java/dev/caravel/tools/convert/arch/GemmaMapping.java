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

import static dev.caravel.tools.convert.TensorRule.Layout.PLUS_ONE;
import static dev.caravel.tools.convert.TensorRule.Layout.SAME;

/**
 * Gemma (1) ({@code GemmaForCausalLM}): Llama names, NeoX RoPE (no permutation), explicit head size,
 * tied output (llama.cpp drops {@code lm_head}), and every RMSNorm weight stored as {@code 1 + w}
 * because Gemma's norm multiplies by {@code 1 + w} and llama.cpp's by {@code w}.
 */
public final class GemmaMapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "gemma";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("GemmaForCausalLM");
    }

    @Override
    public String modelType() {
        return "gemma";
    }

    @Override
    public List<TensorRule> rules() {
        List<TensorRule> r = new ArrayList<>();
        for (TensorRule t : LlamaMapping.llamaStyle(SAME, SAME)) {
            if (t.gguf().equals("output.weight")) {
                continue;
            }
            r.add(t.hf().endsWith("norm.weight") ? TensorRule.of(t.hf(), t.gguf(), PLUS_ONE) : t);
        }
        return r;
    }

    @Override
    public boolean ignored(String hfName) {
        return super.ignored(hfName) || hfName.equals("lm_head.weight");
    }

    @Override
    public void writeHparams(HfConfig c, GgufWriter w) {
        // llama.cpp's Gemma converter writes exactly these (no freq_base: Gemma uses 10000).
        w.putUInt32("gemma.context_length", c.requireInt("max_position_embeddings"));
        w.putUInt32("gemma.embedding_length", c.requireInt("hidden_size"));
        w.putUInt32("gemma.block_count", c.requireInt("num_hidden_layers"));
        w.putUInt32("gemma.feed_forward_length", c.requireInt("intermediate_size"));
        w.putUInt32("gemma.attention.head_count", heads(c));
        w.putUInt32("gemma.attention.head_count_kv", kvHeads(c));
        w.putFloat32("gemma.attention.layer_norm_rms_epsilon", c.number("rms_norm_eps").orElse(1e-6).floatValue());
        int headDim = c.intOr(c.requireInt("hidden_size") / heads(c), "head_dim");
        w.putUInt32("gemma.attention.key_length", headDim);
        w.putUInt32("gemma.attention.value_length", headDim);
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        int dim = m.requireInt("gemma.embedding_length", 1, Integer.MAX_VALUE);
        o.put("head_dim", m.intOr("gemma.attention.key_length", dim / heads(m), 1, Integer.MAX_VALUE));
        o.put("hidden_act", "gelu_pytorch_tanh");
        o.put("hidden_activation", "gelu_pytorch_tanh");
        o.put("tie_word_embeddings", true);
        o.put("attention_bias", false);
    }
}
