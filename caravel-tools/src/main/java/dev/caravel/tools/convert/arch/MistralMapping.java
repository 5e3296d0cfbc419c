package dev.caravel.tools.convert.arch;

import java.util.List;

/**
 * A GGUF of architecture {@code mistral} (newer llama.cpp writes it for Mistral checkpoints; same
 * tensors and layout as {@code llama}). Convert writes {@code llama}, as llama.cpp of commit c392e50
 * does; export turns either into {@code MistralForCausalLM}.
 */
public final class MistralMapping extends LlamaMapping {
    @Override
    public String ggufArch() {
        return "mistral";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("MistralForCausalLM");
    }

    @Override
    public String modelType() {
        return "mistral";
    }
}
