package dev.caravel.format.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked little-endian reader over a mapped GGUF header.
 *
 * <p>Every read checks the remaining bytes first, so a truncated or lying file produces a
 * {@link GgufFormatException} that names the file, the offset and what was being read — never an
 * {@link IndexOutOfBoundsException} or a JVM crash. Positions are {@code long}: files over 2 GiB are
 * ordinary.
 *
 * <p>The cursor also keeps the parse's memory budgets. A count in the file is first checked against
 * the bytes left (each element takes at least some bytes on disk), but in a multi-GB file that still
 * lets a lying count make us decode gigabytes of tensor data as metadata, and a {@code long[]} or a
 * {@code String[]} costs several times its bytes on disk. The budgets cap what a header may make us
 * allocate, far above any real model (the largest vocabularies have a few hundred thousand tokens),
 * so a lying count ends in a {@link GgufFormatException} instead of an {@link OutOfMemoryError}.
 */
final class GgufCursor {
    /** Most array elements (over all metadata arrays, nested ones included) a header may hold. */
    static final long MAX_ARRAY_ELEMENTS = 1L << 24;
    /** Most string bytes (keys, values, tensor names) a header may hold. */
    static final long MAX_STRING_BYTES = 1L << 29;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final MemorySegment segment;
    private final String fileName;
    private long position;
    private long elementBudget = MAX_ARRAY_ELEMENTS;
    private long stringBudget = MAX_STRING_BYTES;

    GgufCursor(MemorySegment segment, String fileName) {
        this.segment = segment;
        this.fileName = fileName;
    }

    long position() {
        return position;
    }

    long remaining() {
        return segment.byteSize() - position;
    }

    GgufFormatException error(String what) {
        return new GgufFormatException(fileName + ": " + what);
    }

    private void require(long bytes, String what) {
        if (bytes < 0 || bytes > remaining()) {
            throw error("truncated at byte " + position + " while reading " + what
                    + " (needs " + bytes + " bytes, file has " + remaining() + " left)");
        }
    }

    int u8(String what) {
        require(1, what);
        return segment.get(U8, position++) & 0xFF;
    }

    short i16(String what) {
        require(2, what);
        short v = segment.get(I16, position);
        position += 2;
        return v;
    }

    int i32(String what) {
        require(4, what);
        int v = segment.get(I32, position);
        position += 4;
        return v;
    }

    long i64(String what) {
        require(8, what);
        long v = segment.get(I64, position);
        position += 8;
        return v;
    }

    float f32(String what) {
        require(4, what);
        float v = segment.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String what) {
        require(8, what);
        double v = segment.get(F64, position);
        position += 8;
        return v;
    }

    /**
     * A u64 count that must fit the rest of the file given the least bytes one element takes on disk,
     * and must not exceed {@code max}.
     */
    long count(String what, long minBytesEach, long max) {
        long n = i64(what);
        if (n < 0 || n > max || (minBytesEach > 0 && n > remaining() / minBytesEach)) {
            throw error("absurd " + what + " " + Long.toUnsignedString(n) + " at byte " + (position - 8)
                    + " (the file has only " + remaining() + " bytes left" + (n > max ? ", limit " + max : "") + ")");
        }
        return n;
    }

    /** Takes {@code n} array elements out of the header's element budget. */
    void spendElements(long n, String what) {
        if (n > elementBudget) {
            throw error("too many metadata array elements at " + what + " (more than " + MAX_ARRAY_ELEMENTS
                    + " in all): not a real model header");
        }
        elementBudget -= n;
    }

    /** A GGUF string: u64 byte length, then that many bytes of UTF-8. */
    String string(String what) {
        return string(what, MAX_STRING_BYTES);
    }

    /** A GGUF string of at most {@code maxBytes} bytes. */
    String string(String what, long maxBytes) {
        long length = i64(what);
        if (length < 0 || length > remaining() || length > maxBytes) {
            throw error("absurd length " + Long.toUnsignedString(length) + " of " + what + " at byte " + (position - 8)
                    + " (the file has only " + remaining() + " bytes left" + (length > maxBytes ? ", limit " + maxBytes : "") + ")");
        }
        if (length > stringBudget) {
            throw error("too many string bytes at " + what + " (more than " + MAX_STRING_BYTES + " in all): not a real model header");
        }
        stringBudget -= length;
        if (length == 0) {
            return "";
        }
        byte[] bytes = segment.asSlice(position, length).toArray(U8);
        position += length;
        // Lenient decoding: an invalid sequence becomes U+FFFD rather than failing the whole file. Such
        // strings cannot be written back byte-for-byte; real vocabularies are valid UTF-8 (byte tokens
        // are spelled as text, e.g. "<0xE4>"), so this only matters for damaged files.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Makes untrusted text (a key, a tensor name) safe for a one-line message: control characters are
     * escaped and long text is cut, so a fuzzed name cannot break the message over lines or bloat it.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 80) + 8).append('\'');
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > 80) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
