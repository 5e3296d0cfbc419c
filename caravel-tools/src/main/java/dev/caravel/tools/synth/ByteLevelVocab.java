package dev.caravel.tools.synth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A deterministic byte-level BPE vocabulary of any size (≥ 256 + specials), GPT-2 style: tokens are
 * strings over GPT-2's byte-to-unicode alphabet, and every token past the 256 byte symbols is made
 * by exactly one merge of two earlier tokens, so tokens and merges are consistent and any text
 * tokenizes (worst case byte by byte).
 *
 * <p>Order of the merges (and so of the token ids), chosen to look like a real vocabulary:
 * <ol>
 *   <li>space + letter ({@code Ġa}, {@code ĠA}, …) and lowercase letter pairs;</li>
 *   <li>every other pair of printable ASCII symbols (space and newline included);</li>
 *   <li>CJK: common full-width punctuation and U+4E00–U+9FA5, each character as (lead byte +
 *       first continuation byte) then + last byte, so Chinese text is one token per character;</li>
 *   <li>then longer word pieces: starting from the space + letter and letter-pair tokens, every token
 *       of the previous length + a lowercase letter, until full.</li>
 * </ol>
 * Special tokens come last, with type CONTROL.
 *
 * @param tokens token texts, id order
 * @param types  llama.cpp token types: 1 normal, 3 control
 * @param merges {@code "left right"}, rank order
 */
public record ByteLevelVocab(List<String> tokens, int[] types, List<String> merges) {
    /** llama.cpp's {@code LLAMA_TOKEN_TYPE_NORMAL} / {@code _CONTROL}. */
    public static final int NORMAL = 1;
    public static final int CONTROL = 3;

    private static final char[] BYTE_CHARS = byteChars();
    private static final String CJK_PUNCTUATION = "，。、！？：；“”‘’（）《》【】…—";

    /**
     * Builds a vocabulary of exactly {@code size} tokens whose last ones are {@code specials}.
     *
     * @throws IllegalArgumentException if {@code size} is too small for the byte symbols and specials
     */
    public static ByteLevelVocab build(int size, List<String> specials) {
        int regular = size - specials.size();
        if (regular < 256) {
            throw new IllegalArgumentException("a byte-level vocabulary needs at least " + (256 + specials.size()) + " tokens, not " + size);
        }
        Builder b = new Builder(regular);
        b.stages();
        List<String> tokens = new ArrayList<>(b.tokens);
        tokens.addAll(specials);
        int[] types = new int[size];
        for (int i = 0; i < size; i++) {
            types[i] = i < regular ? NORMAL : CONTROL;
        }
        return new ByteLevelVocab(List.copyOf(tokens), types, List.copyOf(b.merges));
    }

    /** The token id of {@code text}, or -1. */
    public int id(String text) {
        return tokens.indexOf(text);
    }

    /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the rest map to U+0100… */
    private static char[] byteChars() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) next++;
        }
        return map;
    }

    /** The byte-level text of a UTF-8 string ({@code " a"} → {@code "Ġa"}). */
    public static String encode(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sb.append(BYTE_CHARS[b & 0xFF]);
        }
        return sb.toString();
    }

    private static final class Builder {
        final int limit;
        final List<String> tokens = new ArrayList<>();
        final Set<String> known = new HashSet<>();
        final List<String> merges = new ArrayList<>();

        Builder(int limit) {
            this.limit = limit;
            // GPT-2's id order for the byte symbols: the printable ones first, in byte order, then the rest.
            for (int pass = 0; pass < 2; pass++) {
                for (int b = 0; b < 256; b++) {
                    boolean remapped = BYTE_CHARS[b] >= 256;
                    if (remapped == (pass == 1)) {
                        String s = String.valueOf(BYTE_CHARS[b]);
                        tokens.add(s);
                        known.add(s);
                    }
                }
            }
        }

        boolean full() {
            return tokens.size() >= limit;
        }

        /** Adds {@code left + right} by a merge unless it exists; both parts must be tokens already. */
        boolean add(String left, String right) {
            String token = left + right;
            if (full() || known.contains(token)) {
                return false;
            }
            tokens.add(token);
            known.add(token);
            merges.add(left + " " + right);
            return true;
        }

        void stages() {
            String space = encode(" ");
            List<String> lower = chars('a', 'z');
            List<String> upper = chars('A', 'Z');
            List<String> printable = new ArrayList<>();
            printable.add(space);
            printable.addAll(lower);
            printable.addAll(upper);
            for (char c = '!'; c <= '~'; c++) {
                if (!Character.isLetter(c)) {
                    printable.add(String.valueOf(c));
                }
            }
            printable.add(encode("\n"));

            List<String> pairs = new ArrayList<>();
            for (String l : lower) {
                pair(space, l, pairs);
            }
            for (String u : upper) {
                pair(space, u, pairs);
            }
            for (String a : lower) {
                for (String c : lower) {
                    pair(a, c, pairs);
                }
            }
            List<String> wordPieces = List.copyOf(pairs);
            for (String a : printable) {
                for (String c : printable) {
                    pair(a, c, pairs);
                }
            }
            List<Integer> cjk = new ArrayList<>();
            CJK_PUNCTUATION.codePoints().forEach(cjk::add);
            for (int cp = 0x4E00; cp <= 0x9FA5; cp++) {
                cjk.add(cp);
            }
            for (int cp : cjk) {
                String bytes = encode(Character.toString(cp));
                if (bytes.length() == 3) {
                    add(bytes.substring(0, 1), bytes.substring(1, 2));
                    add(bytes.substring(0, 2), bytes.substring(2));
                }
            }
            List<String> level = wordPieces;
            while (!full() && !level.isEmpty()) {
                List<String> next = new ArrayList<>();
                for (String t : level) {
                    for (String l : lower) {
                        if (add(t, l)) {
                            next.add(t + l);
                        }
                    }
                }
                level = next;
            }
        }

        private void pair(String a, String b, List<String> made) {
            if (add(a, b)) {
                made.add(a + b);
            }
        }

        private static List<String> chars(char from, char to) {
            List<String> out = new ArrayList<>();
            for (char c = from; c <= to; c++) {
                out.add(String.valueOf(c));
            }
            return out;
        }
    }
}
