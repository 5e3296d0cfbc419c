package dev.caravel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * An immutable vocabulary with the flags and special ids that drive tokenization: the state of
 * llama.cpp's {@code llama_vocab} after loading. Built by {@link VocabularyBuilder}, which applies
 * llama.cpp's loading rules; read by the encoders and {@link LlamaTokenizer}.
 */
final class Vocabulary {
    // llama_token_attr bits
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    static final int NONE = -1;
    static final String SPACE_MARK = "\u2581";

    final VocabType type;
    /** The pre-tokenizer configuration (BPE only, else null). */
    final PreTokenizer.Config pre;
    final String[] texts;
    final float[] scores;
    final int[] attrs;
    final Map<String, Integer> ids;
    /** The longest token text in UTF-8 bytes (bounds WordPiece's longest-match search). */
    final int maxTokenBytes;
    /** BPE merge ranks keyed by {@code left + " " + right}. */
    final Map<String, Integer> mergeRanks;
    private final EnumMap<SpecialToken, Integer> specials;
    final boolean addSpacePrefix;
    final boolean addBos;
    final boolean addEos;
    final boolean addSep;
    final boolean ignoreMerges;
    final boolean cleanSpaces;
    final boolean escapeWhitespaces;
    final boolean lowercase;
    final boolean stripAccents;
    final Set<Integer> endOfGeneration;
    /** Control, user-defined and unknown tokens, longest text first: the order they are matched in. */
    final int[] specialTokensByLength;
    /** Each token's bytes with special tokens rendered (llama.cpp's token-to-piece cache). */
    private final byte[][] pieces;
    final String chatTemplate;
    final String tokenizerModel;
    /** The word splitter (BPE only, else null). */
    final RegexSplitter splitter;

    Vocabulary(VocabularyBuilder.State s) {
        this.type = s.type;
        this.pre = s.pre;
        this.texts = s.texts;
        this.scores = s.scores;
        this.attrs = s.attrs;
        this.ids = s.ids; // a HashMap: Map.copyOf's linear probing is slow for 100K+ similar keys
        this.maxTokenBytes = s.maxTokenBytes;
        this.mergeRanks = s.mergeRanks;
        this.specials = new EnumMap<>(s.specials);
        this.addSpacePrefix = s.addSpacePrefix;
        this.addBos = s.addBos;
        this.addEos = s.addEos;
        this.addSep = s.addSep;
        this.ignoreMerges = s.ignoreMerges;
        this.cleanSpaces = s.cleanSpaces;
        this.escapeWhitespaces = s.escapeWhitespaces;
        this.lowercase = s.lowercase;
        this.stripAccents = s.stripAccents;
        this.endOfGeneration = Set.copyOf(s.endOfGeneration);
        this.specialTokensByLength = s.specialTokensByLength;
        this.chatTemplate = s.chatTemplate;
        this.tokenizerModel = s.tokenizerModel;
        this.splitter = s.splitter;
        this.pieces = new byte[texts.length][];
        for (int id = 0; id < texts.length; id++) {
            pieces[id] = computePiece(id);
        }
    }

    int size() {
        return texts.length;
    }

    /** The id of {@code text}, or {@link #NONE}. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? NONE : id;
    }

    int special(SpecialToken which) {
        return specials.getOrDefault(which, NONE);
    }

    boolean has(int id, int attr) {
        return (attrs[id] & attr) != 0;
    }

    /** The bytes of a token with special tokens rendered; callers must not modify the array. */
    byte[] piece(int id) {
        return pieces[id];
    }

    /** The byte a byte token ({@code <0xXX>}) stands for, read from its hex digits as llama.cpp does. */
    int tokenToByte(int id) {
        String text = texts[id];
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            value = value * 16 + digit;
        }
        return value & 0xFF;
    }

    /** The token for one raw byte: {@code <0xXX>}, or a one-byte token as fallback; {@link #NONE} if neither. */
    int byteToken(int b) {
        b &= 0xFF;
        if (type == VocabType.BPE && (pre == null || pre.type().byteEncode())) {
            return id(String.valueOf(ByteLevel.charOf(b)));
        }
        int id = id(String.format("<0x%02X>", b));
        if (id == NONE && b < 0x80) {
            id = id(String.valueOf((char) b));
        }
        return id;
    }

    private byte[] computePiece(int id) {
        int attr = attrs[id];
        String text = texts[id];
        if ((attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & ATTR_NORMAL) != 0) {
            if (type == VocabType.BPE && !escapeWhitespaces) {
                return ByteLevel.decode(text);
            }
            return text.replace(SPACE_MARK, " ").getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & ATTR_BYTE) != 0 && type != VocabType.WPM) {
            return new byte[] {(byte) tokenToByte(id)};
        }
        return new byte[0]; // unused and undefined tokens render as nothing
    }
}
