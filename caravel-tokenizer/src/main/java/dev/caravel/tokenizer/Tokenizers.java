package dev.caravel.tokenizer;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Creates tokenizers from the files models ship with. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer described by GGUF metadata ({@code tokenizer.ggml.*}), as llama.cpp loads it.
     *
     * @throws IllegalArgumentException      if the metadata is incomplete or inconsistent
     * @throws UnsupportedOperationException for tokenizer models not implemented here (t5/UGM, rwkv, plamo2)
     */
    public static LlamaTokenizer fromGguf(GgufMetadata metadata) {
        return new LlamaTokenizer(GgufVocabularyReader.read(metadata));
    }

    /** The tokenizer of a GGUF file (model or vocabulary-only). */
    public static LlamaTokenizer fromGguf(Path ggufFile) {
        try (GgufFile file = GgufFile.open(ggufFile)) {
            return fromGguf(file.meta());
        }
    }

    /**
     * The tokenizer of a Hugging Face {@code tokenizer.json}, with {@code tokenizer_config.json} from
     * the same directory when present (BOS/EOS, add_bos_token, chat template).
     *
     * <p>Supported: byte-level BPE (GPT-2, Llama 3, Qwen style), SentencePiece-style BPE with byte
     * fallback (Llama 2, Mistral) and WordPiece (BERT). Pre-tokenizer regexes that llama.cpp knows
     * run with llama.cpp's semantics, so the ids equal those of the converted GGUF; the NFC
     * normalizer some tokenizers declare is not applied, as llama.cpp does not apply it either.
     *
     * @throws UncheckedIOException          if a file cannot be read or is not JSON
     * @throws IllegalArgumentException      if the JSON does not describe a usable tokenizer
     * @throws UnsupportedOperationException for models not implemented here (e.g. Unigram)
     */
    public static LlamaTokenizer fromTokenizerJson(Path tokenizerJson) {
        try {
            return new LlamaTokenizer(HfTokenizerJsonReader.read(tokenizerJson));
        } catch (IOException e) {
            throw new UncheckedIOException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }
}
