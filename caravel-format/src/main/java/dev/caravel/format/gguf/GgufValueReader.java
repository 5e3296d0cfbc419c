package dev.caravel.format.gguf;

/**
 * Reads one typed metadata value (scalar or array, arrays possibly nested).
 *
 * <p>Encoding (GGUF v2 and v3 alike): a u32 value type, then the value. A scalar is its little-endian
 * bytes; a string is a u64 length and UTF-8 bytes; an array is a u32 element type, a u64 element
 * count and the elements. A nested array element (element type ARRAY) is encoded the way gguf-py
 * writes it: again a u32 element type, a u64 count and the elements, without a leading value type.
 * (llama.cpp itself refuses nested arrays; gguf-py and the spec allow them.)
 */
final class GgufValueReader {
    /** Deepest array nesting accepted; real files use at most one level. Bounds recursion on fuzzed input. */
    static final int MAX_NESTING = 8;

    private GgufValueReader() {
    }

    static GgufValue readValue(GgufCursor in, String what) {
        long at = in.position();
        int typeId = in.i32(what);
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) {
            throw in.error("unknown value type " + Integer.toUnsignedString(typeId) + " of " + what + " at byte " + at);
        }
        if (type == GgufValueType.ARRAY) {
            return readArrayBody(in, what, 1);
        }
        return GgufValue.scalar(type, readScalar(in, type, what));
    }

    /** Element type, count and elements of an array at nesting {@code depth} (1 = a top-level array). */
    private static GgufValue readArrayBody(GgufCursor in, String what, int depth) {
        if (depth > MAX_NESTING) {
            throw in.error(what + " nests arrays more than " + MAX_NESTING + " deep at byte " + in.position());
        }
        long at = in.position();
        int elemId = in.i32(what);
        GgufValueType elem = GgufValueType.fromId(elemId);
        if (elem == null) {
            throw in.error("unknown array element type " + Integer.toUnsignedString(elemId) + " of " + what + " at byte " + at);
        }
        // The least bytes one element takes on disk: a string its u64 length, a nested array its
        // u32 type and u64 count. This turns a lying count into an error before anything is allocated.
        long minEach = switch (elem) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> elem.size();
        };
        int count = (int) in.count("element count of " + what, minEach, GgufCursor.MAX_ARRAY_ELEMENTS);
        in.spendElements(count, what);
        return switch (elem) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[count];
                for (int i = 0; i < count; i++) {
                    a[i] = readInteger(in, elem, what);
                }
                yield GgufValue.array(elem, a);
            }
            case FLOAT32, FLOAT64 -> {
                double[] a = new double[count];
                for (int i = 0; i < count; i++) {
                    a[i] = elem == GgufValueType.FLOAT32 ? in.f32(what) : in.f64(what);
                }
                yield GgufValue.array(elem, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = readBool(in, what);
                }
                yield GgufValue.array(elem, a);
            }
            case STRING -> {
                String[] a = new String[count];
                for (int i = 0; i < count; i++) {
                    a[i] = in.string(what);
                }
                yield GgufValue.array(elem, a);
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[count];
                for (int i = 0; i < count; i++) {
                    a[i] = readArrayBody(in, what, depth + 1);
                }
                yield GgufValue.array(elem, a);
            }
        };
    }

    private static Object readScalar(GgufCursor in, GgufValueType type, String what) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> readInteger(in, type, what);
            case FLOAT32 -> (double) in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> readBool(in, what);
            case STRING -> in.string(what);
            case ARRAY -> throw new IllegalStateException("array is not a scalar");
        };
    }

    /** An integer of any width as a long: unsigned types zero-extended, UINT64 kept as its bit pattern. */
    private static long readInteger(GgufCursor in, GgufValueType type, String what) {
        return switch (type) {
            case UINT8 -> in.u8(what);
            case INT8 -> (byte) in.u8(what);
            case UINT16 -> in.i16(what) & 0xFFFF;
            case INT16 -> in.i16(what);
            case UINT32 -> Integer.toUnsignedLong(in.i32(what));
            case INT32 -> in.i32(what);
            case UINT64, INT64 -> in.i64(what);
            default -> throw new IllegalStateException("not an integer type: " + type);
        };
    }

    /** The spec allows only 0 and 1; anything else means a damaged file (or a buggy writer). */
    private static boolean readBool(GgufCursor in, String what) {
        int b = in.u8(what);
        if (b > 1) {
            throw in.error("invalid boolean " + b + " in " + what + " at byte " + (in.position() - 1) + " (must be 0 or 1)");
        }
        return b == 1;
    }
}
