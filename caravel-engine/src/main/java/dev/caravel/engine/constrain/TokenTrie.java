package dev.caravel.engine.constrain;

import dev.caravel.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The byte strings of a vocabulary's ordinary tokens as a trie laid out in preorder, so that masking is one
 * forward scan that skips a whole subtree as soon as its prefix is rejected. Control and unknown tokens are
 * left out (their text never appears in decoded output); end-of-generation tokens are listed apart.
 *
 * <p>Inside a JSON string most of a vocabulary is allowed, and walking it all costs milliseconds. So the
 * "plain" tokens (whole characters, none that a string must escape) are also listed apart, with a second
 * trie of the others: in a free string body every plain token is allowed at once and only the second trie
 * is walked. Built once per tokenizer and shared: immutable.
 */
final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    /** One trie in preorder. */
    static final class Layout {
        final int nodes;
        final byte[] bytes;      // [node] the byte on the edge into it
        final int[] depth;       // [node] 1 for children of the root
        final int[] end;         // [node] index just past its subtree
        final int[] token;       // [node] a token whose bytes end here, or -1
        final int[] sameBytes;   // [token] another token with the same bytes, or -1
        final int maxDepth;

        Layout(byte[][] pieces, int[] members, int vocab) {
            Integer[] ids = new Integer[members.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = members[i];
            }
            Arrays.sort(ids, (x, y) -> Arrays.compareUnsigned(pieces[x], pieces[y]));
            sameBytes = new int[vocab];
            Arrays.fill(sameBytes, -1);
            int total = 0;
            for (Integer id : ids) {
                total += pieces[id].length;
            }
            byte[] b = new byte[total];
            int[] d = new int[total];
            int[] e = new int[total];
            int[] tok = new int[total];
            int[] path = new int[1024];
            int size = 0;
            int top = 0;
            byte[] prev = new byte[0];
            int deepest = 0;
            for (Integer id : ids) {
                byte[] p = pieces[id];
                int lcp = 0;
                while (lcp < p.length && lcp < prev.length && p[lcp] == prev[lcp]) {
                    lcp++;
                }
                if (lcp == p.length && lcp == prev.length) {
                    int node = path[top - 1];
                    sameBytes[id] = tok[node];
                    tok[node] = id;
                    continue;
                }
                while (top > lcp) {
                    e[path[--top]] = size;
                }
                for (int i = lcp; i < p.length; i++) {
                    b[size] = p[i];
                    d[size] = i + 1;
                    tok[size] = -1;
                    if (top == path.length) {
                        path = Arrays.copyOf(path, path.length * 2);
                    }
                    path[top++] = size++;
                }
                tok[path[top - 1]] = id;
                deepest = Math.max(deepest, p.length);
                prev = p;
            }
            while (top > 0) {
                e[path[--top]] = size;
            }
            nodes = size;
            bytes = Arrays.copyOf(b, size);
            depth = Arrays.copyOf(d, size);
            end = Arrays.copyOf(e, size);
            token = Arrays.copyOf(tok, size);
            maxDepth = deepest;
        }
    }

    final int vocab;
    final Layout all;
    /** Tokens that are not plain string content. */
    final Layout nonPlain;
    /** Plain string content: whole UTF-8 characters, no quote, backslash or control character. */
    final int[] plain;
    /** [i] the characters of plain[i]. */
    final int[] plainChars;
    final int[] endOfGeneration;
    /** Whether every byte value is a token of its own, so any byte string can be written one byte per token. */
    final boolean allSingleBytes;
    private final byte[][] pieces;   // [token] its bytes, or null for tokens outside the trie

    static TokenTrie of(Tokenizer tokenizer) {
        return CACHE.computeIfAbsent(tokenizer, TokenTrie::new);
    }

    private TokenTrie(Tokenizer t) {
        vocab = t.vocabSize();
        pieces = new byte[vocab][];
        int[] members = new int[vocab];
        int[] plainIds = new int[vocab];
        int[] others = new int[vocab];
        int count = 0;
        int plainCount = 0;
        int otherCount = 0;
        boolean[] single = new boolean[256];
        for (int id = 0; id < vocab; id++) {
            if (t.isControl(id) || t.isEndOfGeneration(id)) {
                continue;
            }
            byte[] p = t.tokenPiece(id, false);
            if (p.length == 0) {
                continue;
            }
            pieces[id] = p;
            members[count++] = id;
            if (p.length == 1) {
                single[p[0] & 0xFF] = true;
            }
            int chars = plainChars(p);
            if (chars > 0) {
                plainIds[plainCount++] = id;
            } else {
                others[otherCount++] = id;
            }
        }
        all = new Layout(pieces, Arrays.copyOf(members, count), vocab);
        nonPlain = new Layout(pieces, Arrays.copyOf(others, otherCount), vocab);
        plain = Arrays.copyOf(plainIds, plainCount);
        plainChars = new int[plainCount];
        for (int i = 0; i < plainCount; i++) {
            plainChars[i] = plainChars(pieces[plain[i]]);
        }
        endOfGeneration = t.endOfGenerationTokens().stream().mapToInt(Integer::intValue).filter(i -> i >= 0 && i < vocab).sorted().toArray();
        boolean every = true;
        for (boolean s : single) {
            every &= s;
        }
        allSingleBytes = every;
    }

    /** The code points of a plain token (well-formed whole characters a JSON string can hold raw), or 0. */
    static int plainChars(byte[] p) {
        int chars = 0;
        int i = 0;
        while (i < p.length) {
            int x = p[i] & 0xFF;
            int len;
            if (x < 0x80) {
                if (x < 0x20 || x == '"' || x == '\\') {
                    return 0;
                }
                len = 1;
            } else if (x >= 0xC2 && x <= 0xDF) {
                len = 2;
            } else if (x >= 0xE0 && x <= 0xEF) {
                len = 3;
            } else if (x >= 0xF0 && x <= 0xF4) {
                len = 4;
            } else {
                return 0;
            }
            if (i + len > p.length) {
                return 0;
            }
            for (int k = 1; k < len; k++) {
                if ((p[i + k] & 0xC0) != 0x80) {
                    return 0;
                }
            }
            if (len > 1) {
                int y = p[i + 1] & 0xFF;
                if ((x == 0xE0 && y < 0xA0) || (x == 0xED && y > 0x9F) || (x == 0xF0 && y < 0x90) || (x == 0xF4 && y > 0x8F)) {
                    return 0; // overlong, surrogate or beyond U+10FFFF
                }
            }
            i += len;
            chars++;
        }
        return chars;
    }

    int maxDepth() {
        return all.maxDepth;
    }

    /** The bytes of a token in the trie, or null. */
    byte[] piece(int token) {
        return token >= 0 && token < vocab ? pieces[token] : null;
    }

    boolean endOfGenerationContains(int token) {
        return Arrays.binarySearch(endOfGeneration, token) >= 0;
    }
}
