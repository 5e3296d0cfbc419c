package dev.caravel.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece as llama.cpp runs BERT vocabularies ({@code llm_tokenizer_wpm}).
 *
 * <p>llama.cpp's converter rewrites a BERT vocabulary so that word-initial pieces start with ▁ and
 * continuation pieces lose their {@code ##}; a word is then matched greedily, longest piece first,
 * as "▁" + word. If some position matches nothing, the whole word becomes {@code [UNK]}.
 * Normalization (BERT's basic tokenizer): optional NFD with accents dropped, optional lower case,
 * control characters removed, white space splits words, and punctuation, ASCII symbols and CJK
 * ideographs become words of their own.
 */
final class WordPieceEncoder {
    private final Vocabulary vocab;

    WordPieceEncoder(Vocabulary vocab) {
        this.vocab = vocab;
    }

    void encode(String text, IntList out) {
        for (String word : preprocess(text)) {
            encodeWord(Vocabulary.SPACE_MARK + word, out);
        }
    }

    private void encodeWord(String word, IntList out) {
        int n = word.codePointCount(0, word.length());
        int[] charAt = new int[n + 1];   // char index of each code point boundary
        int[] byteAt = new int[n + 1];   // UTF-8 offset of each boundary
        for (int i = 0; i < n; i++) {
            int cp = word.codePointAt(charAt[i]);
            charAt[i + 1] = charAt[i] + Character.charCount(cp);
            byteAt[i + 1] = byteAt[i] + Utf8.length(cp);
        }
        int before = out.size();
        int longest = 0; // the farthest boundary within reach of the current position
        for (int i = 0; i < n; ) {
            int matched = -1;
            // llama.cpp tries substrings of up to max_token_len + 1 bytes, longest first
            while (longest < n && byteAt[longest + 1] - byteAt[i] <= vocab.maxTokenBytes + 1) {
                longest++;
            }
            for (int j = longest; j > i; j--) {
                int id = vocab.id(word.substring(charAt[i], charAt[j]));
                if (id != Vocabulary.NONE) {
                    out.add(id);
                    matched = j;
                    break;
                }
            }
            if (matched < 0) {
                out.truncate(before); // one unmatched position discards the whole word
                break;
            }
            i = matched;
        }
        if (out.size() == before && vocab.special(SpecialToken.UNKNOWN) != Vocabulary.NONE) {
            out.add(vocab.special(SpecialToken.UNKNOWN));
        }
    }

    /** BERT normalization and word splitting. */
    List<String> preprocess(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int cp : Utf8.codePoints(text)) {
            if (vocab.stripAccents) {
                cp = UnicodeData.nfdFirst(cp);
            }
            int flags = UnicodeData.flags(cp);
            if ((flags & UnicodeData.WHITESPACE) != 0) {
                flush(word, words);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (flags & UnicodeData.CONTROL) != 0) {
                continue;
            }
            if (vocab.stripAccents && (flags & UnicodeData.ACCENT_MARK) != 0) {
                continue;
            }
            int mapped = vocab.lowercase ? UnicodeData.toLower(cp) : cp;
            boolean isolated = (flags & UnicodeData.PUNCTUATION) != 0
                    || (cp < 0x7F && (flags & UnicodeData.SYMBOL) != 0)
                    || UnicodeData.isBertChineseChar(cp);
            if (isolated) {
                flush(word, words);
                words.add(new String(Character.toChars(mapped)));
            } else {
                word.appendCodePoint(mapped);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }
}
