package dev.caravel.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character mapping, used by every byte-level BPE vocabulary.
 *
 * <p>Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) map to themselves; the other
 * 68 bytes (controls, space, DEL, NBSP, soft hyphen) map to U+0100 onward in byte order. A BPE word
 * is its UTF-8 bytes written with these characters, so vocabulary entries never contain spaces or
 * control characters (a leading space shows as {@code Ġ}, a newline as {@code Ċ}).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character; -1 where the character is not the image of a byte. */
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** Writes the UTF-8 bytes of {@code codePoints[from, to)} as byte-level characters. */
    static String encode(int[] codePoints, int from, int to) {
        byte[] utf8 = Utf8.encode(codePoints, from, to);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a byte-level character stands for, or -1 if it stands for none. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }

    /**
     * The bytes of a byte-level token, as llama.cpp's {@code llama_decode_text}: a character outside
     * the mapping becomes the text {@code [UNK_BYTE_0x..<token>]} rather than failing.
     */
    static byte[] decode(String token) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            i += Character.charCount(cp);
            int b = byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder unk = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    unk.append(String.format("%02x", u & 0xFF));
                }
                unk.append(token).append(']');
                out.writeBytes(unk.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
