package dev.caravel.tools.convert;

import dev.caravel.tools.convert.arch.BertMapping;
import dev.caravel.tools.convert.arch.ChatGlmMapping;
import dev.caravel.tools.convert.arch.GemmaMapping;
import dev.caravel.tools.convert.arch.Glm4Mapping;
import dev.caravel.tools.convert.arch.Gpt2Mapping;
import dev.caravel.tools.convert.arch.LlamaMapping;
import dev.caravel.tools.convert.arch.MistralMapping;
import dev.caravel.tools.convert.arch.Phi3Mapping;
import dev.caravel.tools.convert.arch.Qwen2Mapping;
import dev.caravel.tools.convert.arch.Qwen3Mapping;

import java.util.List;
import java.util.TreeSet;

/** The architectures convert and export know, looked up by Hugging Face or GGUF name. */
public final class Mappings {
    /** Convert order matters only in that Mistral checkpoints go to {@code llama}, as in llama.cpp. */
    private static final List<ArchMapping> ALL = List.of(new LlamaMapping(), new MistralMapping(), new Qwen2Mapping(),
            new Qwen3Mapping(), new GemmaMapping(), new Phi3Mapping(), new Gpt2Mapping(), new ChatGlmMapping(),
            new Glm4Mapping(), new BertMapping());

    private Mappings() {
    }

    /** The mapping for a config.json {@code architectures} entry. */
    public static ArchMapping forHf(String hfArchitecture, String where) {
        for (ArchMapping m : ALL) {
            if (m.hfArchitectures().contains(hfArchitecture)) {
                return m;
            }
        }
        throw new ConvertException(where + ": unsupported architecture '" + hfArchitecture + "' (supported: "
                + String.join(", ", hfNames()) + ")");
    }

    /** The mapping for a GGUF {@code general.architecture}. */
    public static ArchMapping forGguf(String arch, String where) {
        for (ArchMapping m : ALL) {
            if (m.ggufArch().equals(arch)) {
                return m;
            }
        }
        throw new ConvertException(where + ": cannot export architecture '" + arch + "' (supported: "
                + String.join(", ", ALL.stream().map(ArchMapping::ggufArch).toList()) + ")");
    }

    static TreeSet<String> hfNames() {
        TreeSet<String> names = new TreeSet<>();
        ALL.forEach(m -> names.addAll(m.hfArchitectures()));
        return names;
    }
}
