package dev.caravel.tokenizer;

import java.util.Optional;
import java.util.Set;

/**
 * Text to token ids and back, with llama.cpp's results.
 *
 * <p>Implementations are immutable and thread-safe. Ids are {@code 0 <= id < vocabSize()}; methods
 * taking an id throw {@link IndexOutOfBoundsException} for others. Token ids that a vocabulary
 * does not have are reported as -1.
 */
public interface Tokenizer {

    /**
     * Tokenizes {@code text}.
     *
     * @param addSpecial   add the BOS/EOS (BERT: CLS/SEP) tokens the vocabulary asks for
     * @param parseSpecial recognize the texts of control tokens (e.g. {@code <|im_start|>}) in the
     *                     input; user-defined tokens are recognized either way, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** {@code encode(text, true, false)}: a prompt with the vocabulary's BOS, special texts kept as text. */
    default int[] encode(String text) {
        return encode(text, true, false);
    }

    /**
     * The text of {@code ids} as llama.cpp's {@code common_detokenize(ctx, ids, false)}: control
     * tokens render as nothing, a SentencePiece vocabulary that adds a space prefix loses the leading
     * space of the first token, GPT-2 style vocabularies clean up spaces before punctuation.
     * Invalid UTF-8 becomes U+FFFD.
     */
    default String decode(int[] ids) {
        return decode(ids, false, false);
    }

    /**
     * The text of {@code ids} as llama.cpp's {@code llama_detokenize}.
     *
     * @param removeSpecial drop a leading BOS and a trailing EOS if the vocabulary adds them
     * @param renderSpecial render control tokens as their text
     */
    String decode(int[] ids, boolean removeSpecial, boolean renderSpecial);

    /**
     * The raw bytes token {@code id} stands for, with control tokens rendered as their text:
     * {@code <0x0A>} is the byte 0x0A, a byte-level {@code Ġthe} is {@code " the"}, a SentencePiece
     * {@code ▁the} is {@code " the"}. A token may be a fragment of a multi-byte character.
     */
    byte[] tokenBytes(int id);

    /** Like {@link #tokenBytes} but control and unknown tokens are empty unless {@code renderSpecial}. */
    byte[] tokenPiece(int id, boolean renderSpecial);

    /** The vocabulary entry of {@code id} as stored (e.g. {@code Ġthe}, {@code ▁the}, {@code <0x0A>}). */
    String tokenText(int id);

    /** The id whose vocabulary entry is exactly {@code text}, or -1. */
    int tokenId(String text);

    TokenType tokenType(int id);

    int vocabSize();

    VocabType vocabType();

    /** The beginning-of-sequence token, or -1. */
    default int bos() {
        return specialToken(SpecialToken.BOS);
    }

    /** The end-of-sequence token, or -1. */
    default int eos() {
        return specialToken(SpecialToken.EOS);
    }

    /** The token with the given role, or -1 if the vocabulary has none. */
    int specialToken(SpecialToken which);

    /** Whether {@link #encode(String, boolean, boolean)} with {@code addSpecial} starts with BOS. */
    boolean addsBos();

    /** Whether {@link #encode(String, boolean, boolean)} with {@code addSpecial} ends with EOS. */
    boolean addsEos();

    /**
     * Whether the tokenizer puts a space before the text (SentencePiece {@code add_space_prefix}); the
     * decoder then drops the leading space of the first token.
     */
    boolean addsSpacePrefix();

    /** The tokens that end generation (EOS, EOT, EOM, {@code <|im_end|>}, ... as llama.cpp determines them). */
    Set<Integer> endOfGenerationTokens();

    default boolean isEndOfGeneration(int id) {
        return endOfGenerationTokens().contains(id);
    }

    /** A control token (BOS, EOS, chat markers): hidden from decoded text unless asked for. */
    boolean isControl(int id);

    /**
     * A token matched as a whole in input text rather than built by merges: control, user-defined
     * (e.g. {@code <think>}) or unknown tokens.
     */
    boolean isSpecial(int id);

    /** The chat template the vocabulary carries ({@code tokenizer.chat_template}). */
    Optional<String> chatTemplate();

    /** A decoder for generated tokens, one at a time, that never splits a character. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, false, false);
    }
}
