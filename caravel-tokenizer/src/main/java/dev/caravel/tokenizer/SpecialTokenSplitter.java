package dev.caravel.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts special-token texts out of the input before tokenization (llama.cpp's
 * {@code tokenizer_st_partition}).
 *
 * <p>Special tokens are tried one at a time, longest text first; each one is searched in every
 * piece of text still unprocessed, leaving text pieces around it. User-defined tokens are always
 * cut out; control and unknown tokens only when special parsing is on. A token with the lstrip
 * (rstrip) attribute swallows the white space before (after) it.
 */
final class SpecialTokenSplitter {
    /** A piece of input: a token ({@code token >= 0}) or the text {@code [start, end)}. */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    private SpecialTokenSplitter() {
    }

    static List<Fragment> partition(Vocabulary vocab, String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int id : vocab.specialTokensByLength) {
            if (!parseSpecial && vocab.has(id, Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN)) {
                continue;
            }
            String special = vocab.texts[id];
            if (text.indexOf(special) < 0) {
                continue;
            }
            Search search = new Search(text, special);
            List<Fragment> next = new ArrayList<>(fragments.size() + 4);
            for (Fragment f : fragments) {
                if (f.isText()) {
                    cut(vocab, id, search, f.start(), f.end(), next);
                } else {
                    next.add(f);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    /** Occurrences of one special text, found left to right in one pass over the input. */
    private static final class Search {
        private final String text;
        private final String special;
        private int found = -1;
        private int searchedFrom = -1;

        Search(String text, String special) {
            this.text = text;
            this.special = special;
        }

        /** The first occurrence at or after {@code from} that ends by {@code end}, or -1. */
        int next(int from, int end) {
            if (searchedFrom < 0 || (found >= 0 && found < from) || from < searchedFrom) {
                found = text.indexOf(special, from);
                searchedFrom = from;
            }
            return found >= 0 && found + special.length() <= end ? found : -1;
        }
    }

    private static void cut(Vocabulary vocab, int id, Search search, int start, int end, List<Fragment> out) {
        boolean lstrip = vocab.has(id, Vocabulary.ATTR_LSTRIP);
        boolean rstrip = vocab.has(id, Vocabulary.ATTR_RSTRIP);
        int length = search.special.length();
        while (true) {
            int match = search.next(start, end);
            if (match < 0) {
                out.add(new Fragment(-1, start, end));
                return;
            }
            int leftEnd = match;
            if (lstrip) {
                while (leftEnd > start && isSpace(search.text.charAt(leftEnd - 1))) {
                    leftEnd--;
                }
            }
            if (leftEnd > start) {
                out.add(new Fragment(-1, start, leftEnd));
            }
            out.add(new Fragment(id, -1, -1));
            start = match + length;
            if (rstrip) {
                while (start < end && isSpace(search.text.charAt(start))) {
                    start++;
                }
            }
            if (start >= end) {
                return;
            }
        }
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp applies to bytes. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
