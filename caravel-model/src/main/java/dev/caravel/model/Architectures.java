package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.arch.BertModel;
import dev.caravel.model.arch.ChatGlmModel;
import dev.caravel.model.arch.GemmaModel;
import dev.caravel.model.arch.Glm4Model;
import dev.caravel.model.arch.Gpt2Model;
import dev.caravel.model.arch.LlamaModel;
import dev.caravel.model.arch.Phi3Model;
import dev.caravel.model.arch.Qwen2Model;
import dev.caravel.model.arch.Qwen3Model;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Maps a GGUF {@code general.architecture} to the class that runs it. */
public final class Architectures {
    private static final Map<String, Function<ModelWeights, LanguageModel>> DECODERS = Map.of(
            "llama", LlamaModel::new,
            "mistral", LlamaModel::new,
            "qwen2", Qwen2Model::new,
            "qwen3", Qwen3Model::new,
            "gpt2", Gpt2Model::new,
            "chatglm", ChatGlmModel::new,
            "glm4", Glm4Model::new,
            "phi3", Phi3Model::new,
            "gemma", GemmaModel::new,
            "gemma2", GemmaModel::new);
    private static final Map<String, Function<ModelWeights, EmbeddingModel>> ENCODERS = Map.of(
            "bert", BertModel::new);

    private Architectures() {
    }

    /** Architectures that generate text. */
    public static List<String> supported() {
        return DECODERS.keySet().stream().sorted().toList();
    }

    /** Builds the decoder for an open GGUF file (the model keeps views into it: keep the file open). */
    public static LanguageModel load(GgufFile file) {
        String arch = file.meta().architecture();
        Function<ModelWeights, LanguageModel> factory = DECODERS.get(arch);
        if (factory == null && ENCODERS.containsKey(arch)) {
            throw new ModelException(file.path().getFileName() + ": '" + arch + "' is an encoder (embedding) model and cannot generate text;"
                    + " use it for embeddings (caravel embed)");
        }
        if (factory == null) {
            throw new ModelException(file.path().getFileName() + ": unsupported architecture '" + arch
                    + "' (supported: " + String.join(", ", supported()) + ")");
        }
        return factory.apply(new ModelWeights(file));
    }

    /** Builds the encoder of an embedding model (bert). */
    public static EmbeddingModel loadEncoder(GgufFile file) {
        String arch = file.meta().architecture();
        Function<ModelWeights, EmbeddingModel> factory = ENCODERS.get(arch);
        if (factory == null) {
            throw new ModelException(file.path().getFileName() + ": '" + arch + "' is not an embedding model (supported: "
                    + String.join(", ", ENCODERS.keySet()) + ")");
        }
        return factory.apply(new ModelWeights(file));
    }
}
