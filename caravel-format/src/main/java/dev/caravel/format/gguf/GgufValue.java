package dev.caravel.format.gguf;

import java.util.Arrays;

/**
 * One typed metadata value.
 *
 * <p>Scalars are boxed Java values: integer types as {@link Long} (UINT64 keeps its bit pattern),
 * FLOAT32/FLOAT64 as {@link Double} (FLOAT32 widened exactly), BOOL as {@link Boolean}, STRING as
 * {@link String}. Arrays keep their element type and use a primitive array: {@code long[]} for
 * integer elements, {@code double[]} for floats, {@code boolean[]}, {@code String[]}, or
 * {@code GgufValue[]} for nested arrays. The original type is kept so that a writer can reproduce
 * the file.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue scalar(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    public static GgufValue array(GgufValueType elementType, Object elements) {
        return new GgufValue(GgufValueType.ARRAY, elementType, elements);
    }

    public boolean isArray() {
        return type == GgufValueType.ARRAY;
    }

    /** Number of elements of an array value. */
    public int arrayLength() {
        return switch (value) {
            case long[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufValue[] a -> a.length;
            default -> throw new IllegalStateException("not an array: " + type);
        };
    }

    @Override
    public String toString() {
        if (!isArray()) {
            return String.valueOf(value);
        }
        int n = arrayLength();
        String head = switch (value) {
            case long[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 8)));
            case double[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 8)));
            case boolean[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 8)));
            case String[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 8)));
            case GgufValue[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, 8)));
            default -> "?";
        };
        // Only the list's own closing bracket gets the ellipsis (elements may contain brackets).
        return elementType + "[" + n + "]" + (n > 8 ? head.substring(0, head.length() - 1) + ", ...]" : head);
    }
}
