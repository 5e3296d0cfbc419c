package dev.caravel.format.gguf;

import java.util.Arrays;
import java.util.Objects;

/** Deep equality of metadata values (records with array components compare by reference). */
final class GgufValues {
    private GgufValues() {
    }

    static boolean equal(GgufValue a, GgufValue b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.type() != b.type() || a.elementType() != b.elementType()) {
            return false;
        }
        return switch (a.value()) {
            case long[] x -> b.value() instanceof long[] y && Arrays.equals(x, y);
            case double[] x -> b.value() instanceof double[] y && Arrays.equals(x, y);
            case boolean[] x -> b.value() instanceof boolean[] y && Arrays.equals(x, y);
            case String[] x -> b.value() instanceof String[] y && Arrays.equals(x, y);
            case GgufValue[] x -> b.value() instanceof GgufValue[] y && x.length == y.length
                    && java.util.stream.IntStream.range(0, x.length).allMatch(i -> equal(x[i], y[i]));
            case Double x -> b.value() instanceof Double y && Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y);
            default -> Objects.equals(a.value(), b.value());
        };
    }
}
