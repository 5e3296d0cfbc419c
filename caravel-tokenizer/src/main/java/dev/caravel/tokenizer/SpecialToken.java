package dev.caravel.tokenizer;

/** The roles a vocabulary may assign to particular tokens (GGUF {@code tokenizer.ggml.*_token_id}). */
public enum SpecialToken {
    /** Beginning of sequence. */
    BOS,
    /** End of sequence. */
    EOS,
    /** End of turn (e.g. {@code <|eot_id|>}, {@code <|im_end|>}). */
    EOT,
    /** End of message (Llama 3.1 {@code <|eom_id|>}). */
    EOM,
    UNKNOWN,
    /** Separator (BERT {@code [SEP]}). */
    SEP,
    PAD,
    MASK,
    /** The token a newline encodes to. */
    NEWLINE,
    FIM_PREFIX,
    FIM_SUFFIX,
    FIM_MIDDLE,
    FIM_PAD,
    FIM_REPO,
    FIM_FILE_SEPARATOR
}
