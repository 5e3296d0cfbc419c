package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer that serializes a GGUF header: the exact inverse of
 * {@link GgufCursor} and {@link GgufValueReader}.
 *
 * <p>Values are validated before anything is encoded (see {@link #validate}), so encoding itself
 * cannot fail half-way. The header lives in memory (it is metadata and tensor infos: a few MB even
 * for large vocabularies); tensor data never passes through here.
 */
final class GgufEncoder {
    /** Header bytes must fit one Java array. */
    private static final int MAX_SIZE = Integer.MAX_VALUE - 64;

    private byte[] bytes = new byte[4096];
    private int size;

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(long more) {
        if (size + more > MAX_SIZE) {
            throw new IllegalStateException("GGUF header larger than " + MAX_SIZE + " bytes");
        }
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(MAX_SIZE, Math.max(size + more, 2L * bytes.length)));
        }
    }

    void u8(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        bytes[size++] = (byte) v;
        bytes[size++] = (byte) (v >>> 8);
    }

    void u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            bytes[size++] = (byte) (v >>> (8 * i));
        }
    }

    void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            bytes[size++] = (byte) (v >>> (8 * i));
        }
    }

    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
    }

    /** One key/value pair: key, value type, value. */
    void keyValue(String key, GgufValue value) {
        string(key);
        u32(value.type().id());
        if (value.isArray()) {
            arrayBody(value);
        } else {
            scalar(value.type(), value.value());
        }
    }

    /** Element type, count, elements; nested arrays repeat this without a leading value type (gguf-py's layout). */
    private void arrayBody(GgufValue array) {
        GgufValueType elem = array.elementType();
        u32(elem.id());
        u64(array.arrayLength());
        switch (array.value()) {
            case long[] a -> {
                for (long v : a) {
                    integer(elem, v);
                }
            }
            case double[] a -> {
                for (double v : a) {
                    floating(elem, v);
                }
            }
            case boolean[] a -> {
                for (boolean v : a) {
                    u8(v ? 1 : 0);
                }
            }
            case String[] a -> {
                for (String v : a) {
                    string(v);
                }
            }
            case GgufValue[] a -> {
                for (GgufValue v : a) {
                    arrayBody(v);
                }
            }
            default -> throw new IllegalStateException("not an array: " + array);
        }
    }

    private void scalar(GgufValueType type, Object value) {
        switch (type) {
            case STRING -> string((String) value);
            case BOOL -> u8((Boolean) value ? 1 : 0);
            case FLOAT32, FLOAT64 -> floating(type, (Double) value);
            default -> integer(type, (Long) value);
        }
    }

    private void integer(GgufValueType type, long v) {
        switch (type.size()) {
            case 1 -> u8((int) v);
            case 2 -> u16((int) v);
            case 4 -> u32((int) v);
            default -> u64(v);
        }
    }

    private void floating(GgufValueType type, double v) {
        if (type == GgufValueType.FLOAT32) {
            // Raw bits: a value read from a file (widened exactly to double) comes back bit for bit.
            u32(Float.floatToRawIntBits((float) v));
        } else {
            u64(Double.doubleToRawLongBits(v));
        }
    }

    /** One tensor info: name, n_dims, dims, ggml type, data offset. */
    void tensorInfo(String name, long[] dims, GgmlType type, long offset) {
        string(name);
        u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        u32(type.id());
        u64(offset);
    }

    /**
     * Checks that {@code value} is a well-formed GGUF value whose Java representation matches its
     * type (see {@link GgufValue}) and whose integers fit their type's range.
     *
     * @throws IllegalArgumentException naming {@code what} and the problem
     */
    static void validate(String what, GgufValue value, int depth) {
        if (value == null || value.type() == null) {
            throw new IllegalArgumentException(what + ": value and its type must not be null");
        }
        if (!value.isArray()) {
            if (value.elementType() != null) {
                throw new IllegalArgumentException(what + ": a scalar has no element type");
            }
            validateScalar(what, value.type(), value.value());
            return;
        }
        if (depth > GgufValueReader.MAX_NESTING) {
            throw new IllegalArgumentException(what + ": arrays nested more than " + GgufValueReader.MAX_NESTING + " deep");
        }
        GgufValueType elem = value.elementType();
        if (elem == null) {
            throw new IllegalArgumentException(what + ": an array needs an element type");
        }
        Object v = value.value();
        boolean ok = switch (elem) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> v instanceof long[];
            case FLOAT32, FLOAT64 -> v instanceof double[];
            case BOOL -> v instanceof boolean[];
            case STRING -> v instanceof String[];
            case ARRAY -> v instanceof GgufValue[];
        };
        if (!ok) {
            throw new IllegalArgumentException(what + ": " + elem + " array elements cannot be held in "
                    + (v == null ? "null" : v.getClass().getSimpleName()));
        }
        if (v instanceof long[] a) {
            for (long x : a) {
                checkRange(what, elem, x);
            }
        } else if (v instanceof String[] a) {
            for (String s : a) {
                if (s == null) {
                    throw new IllegalArgumentException(what + ": null string in array");
                }
            }
        } else if (v instanceof GgufValue[] a) {
            for (GgufValue nested : a) {
                if (nested == null || !nested.isArray()) {
                    throw new IllegalArgumentException(what + ": an ARRAY array may only hold arrays");
                }
                validate(what, nested, depth + 1);
            }
        }
    }

    private static void validateScalar(String what, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case STRING -> v instanceof String;
            case BOOL -> v instanceof Boolean;
            case FLOAT32, FLOAT64 -> v instanceof Double;
            case ARRAY -> false;
            default -> v instanceof Long;
        };
        if (!ok) {
            throw new IllegalArgumentException(what + ": a " + type + " value cannot be "
                    + (v == null ? "null" : v.getClass().getSimpleName()) + " (integers are Long, floats Double)");
        }
        if (v instanceof Long l) {
            checkRange(what, type, l);
        }
    }

    /** Signed and unsigned ranges; UINT64 and INT64 take any bit pattern. */
    private static void checkRange(String what, GgufValueType type, long v) {
        boolean ok = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
        if (!ok) {
            throw new IllegalArgumentException(what + ": " + v + " is out of range for " + type);
        }
    }
}
