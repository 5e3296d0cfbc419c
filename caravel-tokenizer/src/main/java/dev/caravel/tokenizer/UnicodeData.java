package dev.caravel.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Code point classification as llama.cpp's {@code unicode.cpp} sees it.
 *
 * <p>llama.cpp ships generated tables (general category bits, a white-space set, lower-case and
 * "first code point of NFD" maps). We derive the same facts from the JDK, which carries a newer
 * Unicode version; code points that were assigned after llama.cpp's tables were generated are
 * reported as {@link #UNDEFINED}, exactly as llama.cpp does, so that tokenization stays identical.
 * The JDK's data was checked against llama.cpp's {@code unicode-data.cpp}: apart from those newly
 * assigned code points the categories, lower-case and NFD maps agree.
 */
final class UnicodeData {
    static final int UNDEFINED = 0x0001;
    static final int NUMBER = 0x0002;
    static final int LETTER = 0x0004;
    static final int SEPARATOR = 0x0008;
    static final int ACCENT_MARK = 0x0010;
    static final int PUNCTUATION = 0x0020;
    static final int SYMBOL = 0x0040;
    static final int CONTROL = 0x0080;
    static final int CATEGORY_MASK = 0x00FF;
    static final int WHITESPACE = 0x0100;

    /** Inclusive ranges assigned in Unicode 16/17 but unassigned in llama.cpp's tables. */
    private static final int[] NEWER_THAN_LLAMA = {
        0x00897, 0x00897, 0x01B4E, 0x01B4F, 0x01B7F, 0x01B7F, 0x01C89, 0x01C8A, 0x02427, 0x02429,
        0x031E4, 0x031E5, 0x0A7CB, 0x0A7CD, 0x0A7DA, 0x0A7DC, 0x105C0, 0x105F3, 0x10D40, 0x10D65,
        0x10D69, 0x10D85, 0x10D8E, 0x10D8F, 0x10EC2, 0x10EC4, 0x10EFC, 0x10EFC, 0x11380, 0x11389,
        0x1138B, 0x1138B, 0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113C0, 0x113C2, 0x113C2,
        0x113C5, 0x113C5, 0x113C7, 0x113CA, 0x113CC, 0x113D5, 0x113D7, 0x113D8, 0x113E1, 0x113E2,
        0x116D0, 0x116E3, 0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9, 0x11F5A, 0x11F5A, 0x13460, 0x143FA,
        0x16100, 0x16139, 0x16D40, 0x16D79, 0x18CFF, 0x18CFF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3,
        0x1E5D0, 0x1E5FA, 0x1E5FF, 0x1E5FF, 0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1FA89, 0x1FA89,
        0x1FA8F, 0x1FA8F, 0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6, 0x1FADC, 0x1FADC, 0x1FADF, 0x1FADF,
        0x1FAE9, 0x1FAE9, 0x1FBCB, 0x1FBEF,
    };

    /** Flags of every code point, computed once: the tokenizers ask for them in inner loops. */
    private static final short[] FLAGS = buildTable();

    private UnicodeData() {
    }

    private static short[] buildTable() {
        short[] table = new short[Character.MAX_CODE_POINT + 1];
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            table[cp] = (short) (category(cp) | (isWhitespaceCodePoint(cp) ? WHITESPACE : 0));
        }
        for (int i = 0; i < NEWER_THAN_LLAMA.length; i += 2) {
            for (int cp = NEWER_THAN_LLAMA[i]; cp <= NEWER_THAN_LLAMA[i + 1]; cp++) {
                table[cp] = UNDEFINED;
            }
        }
        return table;
    }

    /** The general-category group as Python's {@code regex} module reports {@code \p{L}}, {@code \p{N}}, ... */
    private static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.UNASSIGNED -> UNDEFINED;
            default -> CONTROL; // Cc, Cf, Co, Cs
        };
    }

    /** The Unicode White_Space property (what llama.cpp's table lists; note: not U+001C..U+001F). */
    private static boolean isWhitespaceCodePoint(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** All flags of {@code cp}; {@link #UNDEFINED} for values outside the code space. */
    static int flags(int cp) {
        return cp >= 0 && cp < FLAGS.length ? FLAGS[cp] : UNDEFINED;
    }

    static boolean isLetter(int cp) {
        return (flags(cp) & LETTER) != 0;
    }

    static boolean isNumber(int cp) {
        return (flags(cp) & NUMBER) != 0;
    }

    static boolean isWhitespace(int cp) {
        return (flags(cp) & WHITESPACE) != 0;
    }

    /** The first code point of the full lower-case mapping (Python's {@code chr(cp).lower()[0]}). */
    static int toLower(int cp) {
        if (cp < 0x80) {
            return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        }
        if ((flags(cp) & UNDEFINED) != 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return cp;
        }
        return new String(Character.toChars(cp)).toLowerCase(Locale.ROOT).codePointAt(0);
    }

    /**
     * The first code point of the NFD decomposition: llama.cpp's {@code unicode_cpts_normalize_nfd}
     * keeps only that one (so an accented letter loses its accent, a Hangul syllable its vowel).
     */
    static int nfdFirst(int cp) {
        if (cp < 0xC0 || (flags(cp) & UNDEFINED) != 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return cp;
        }
        String s = new String(Character.toChars(cp));
        return Normalizer.isNormalized(s, Normalizer.Form.NFD) ? cp : Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    /** The CJK ideograph ranges llama.cpp calls "Han" (used by the Kimi-K2 splitter). */
    static boolean isHan(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0x2CEB0 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** The CJK ranges BERT's basic tokenizer isolates (with HF's 0x2B920 typo, as llama.cpp keeps it). */
    static boolean isBertChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
