package dev.caravel.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 helpers shared by the encoders and decoders. */
final class Utf8 {
    private Utf8() {
    }

    static byte[] encode(int[] codePoints, int from, int to) {
        byte[] out = new byte[(to - from) * 4];
        int n = 0;
        for (int i = from; i < to; i++) {
            n = put(codePoints[i], out, n);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Appends the UTF-8 form of {@code cp} at {@code at}; returns the new end. */
    static int put(int cp, byte[] out, int at) {
        if (cp < 0x80) {
            out[at++] = (byte) cp;
        } else if (cp < 0x800) {
            out[at++] = (byte) (0xC0 | (cp >> 6));
            out[at++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[at++] = (byte) (0xE0 | (cp >> 12));
            out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[at++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            out[at++] = (byte) (0xF0 | (cp >> 18));
            out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[at++] = (byte) (0x80 | (cp & 0x3F));
        }
        return at;
    }

    /** Number of UTF-8 bytes of {@code cp}. */
    static int length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** UTF-8 length of {@code s} without encoding it. */
    static int length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += length(cp);
            i += Character.charCount(cp);
        }
        return n;
    }

    /**
     * Code points of {@code text}; an unpaired surrogate (which has no UTF-8 form) becomes U+FFFD,
     * which is what llama.cpp makes of the invalid bytes such text would encode to.
     */
    static int[] codePoints(String text) {
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) {
                cps[i] = 0xFFFD;
            }
        }
        return cps;
    }

    /** {@code text} with unpaired surrogates replaced by U+FFFD. */
    static String sanitize(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
                if (!paired) {
                    int[] cps = codePoints(text);
                    return new String(cps, 0, cps.length);
                }
                i++;
            }
        }
        return text;
    }

    /** Decodes bytes, replacing each maximal invalid subsequence with U+FFFD. */
    static String decodeLenient(byte[] bytes, int from, int length) {
        CharsetDecoder decoder = newLenientDecoder();
        try {
            return decoder.decode(ByteBuffer.wrap(bytes, from, length)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder cannot fail", e);
        }
    }

    static CharsetDecoder newLenientDecoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith("\uFFFD");
    }
}
