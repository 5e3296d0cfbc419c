package dev.caravel.tokenizer;

/**
 * The kind of a vocabulary entry, as GGUF {@code tokenizer.ggml.token_type} stores it.
 *
 * <p>{@link #CONTROL} tokens (BOS, EOS, chat markers) are only recognized in input text when special
 * parsing is asked for and render as nothing unless special rendering is asked for;
 * {@link #USER_DEFINED} tokens (added tokens such as {@code <think>}) are always recognized and
 * always rendered; {@link #BYTE} tokens ({@code <0x0A>}) stand for one raw byte.
 */
public enum TokenType {
    UNDEFINED(0),
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int ggufCode;

    TokenType(int ggufCode) {
        this.ggufCode = ggufCode;
    }

    /** The value GGUF stores for this type. */
    public int ggufCode() {
        return ggufCode;
    }

    /** The type for a GGUF code; unknown codes are {@link #UNDEFINED}, as llama.cpp treats them. */
    public static TokenType fromGguf(long code) {
        for (TokenType t : values()) {
            if (t.ggufCode == code) {
                return t;
            }
        }
        return UNDEFINED;
    }
}
