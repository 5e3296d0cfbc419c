package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.TensorRule;

import java.util.List;
import java.util.Set;

import static dev.caravel.tools.convert.TensorRule.Layout.SAME;

/**
 * Qwen2 / Qwen2.5 ({@code Qwen2ForCausalLM}): Llama names with Q/K/V biases, and no Q/K permutation
 * because llama.cpp runs it with NeoX (half-split) RoPE, which is Hugging Face's own layout.
 */
public class Qwen2Mapping extends ArchMapping {
    @Override
    public String ggufArch() {
        return "qwen2";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen2ForCausalLM");
    }

    @Override
    public String modelType() {
        return "qwen2";
    }

    @Override
    public List<TensorRule> rules() {
        return LlamaMapping.llamaStyle(SAME, SAME);
    }

    @Override
    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        o.put("hidden_act", "silu");
        o.put("use_sliding_window", false);
    }
}
