package dev.caravel.tokenizer;

/** The tokenization algorithm of a vocabulary (GGUF {@code tokenizer.ggml.model}). */
public enum VocabType {
    /** SentencePiece-style BPE over scores, with byte fallback ({@code llama}). */
    SPM,
    /** Byte-level BPE over ranked merges, after a regex pre-tokenizer ({@code gpt2}). */
    BPE,
    /** WordPiece with BERT normalization ({@code bert}). */
    WPM
}
