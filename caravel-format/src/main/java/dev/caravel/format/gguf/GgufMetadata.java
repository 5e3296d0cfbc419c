package dev.caravel.format.gguf;

import java.util.Map;
import java.util.Optional;

/**
 * Typed, checked access to GGUF metadata.
 *
 * <p>A key of the wrong type is a {@link GgufFormatException} that names the key, so a model with a
 * broken header fails with a clear message instead of a {@link ClassCastException}.
 */
public final class GgufMetadata {
    private final String fileName;
    private final Map<String, GgufValue> values;

    public GgufMetadata(String fileName, Map<String, GgufValue> values) {
        this.fileName = fileName;
        this.values = values;
    }

    public Map<String, GgufValue> all() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public GgufValue get(String key) {
        return values.get(key);
    }

    private GgufFormatException wrong(String key, String expected) {
        // Values are quoted: a chat template or a fuzzed string must not spread the message over lines.
        return new GgufFormatException(fileName + ": metadata " + GgufCursor.quote(key) + " should be " + expected
                + " but is " + values.get(key).type() + " " + GgufCursor.quote(String.valueOf(values.get(key))));
    }

    private GgufFormatException missing(String key) {
        return new GgufFormatException(fileName + ": required metadata " + GgufCursor.quote(key) + " is missing");
    }

    public Optional<String> string(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof String s) {
            return Optional.of(s);
        }
        throw wrong(key, "a string");
    }

    public String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key));
    }

    public Optional<Long> integer(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof Long l) {
            return Optional.of(l);
        }
        throw wrong(key, "an integer");
    }

    public long requireLong(String key) {
        return integer(key).orElseThrow(() -> missing(key));
    }

    /** An integer key that must be in {@code [min, max]}. */
    public int requireInt(String key, int min, int max) {
        long v = requireLong(key);
        if (v < min || v > max) {
            throw new GgufFormatException(fileName + ": metadata " + GgufCursor.quote(key) + " = " + v + " is out of range [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    public int intOr(String key, int fallback, int min, int max) {
        return has(key) ? requireInt(key, min, max) : fallback;
    }

    public Optional<Double> number(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof Double d) {
            return Optional.of(d);
        }
        if (v.value() instanceof Long l) {
            return Optional.of(l.doubleValue());
        }
        throw wrong(key, "a number");
    }

    public float floatOr(String key, float fallback) {
        return number(key).map(Double::floatValue).orElse(fallback);
    }

    public Optional<Boolean> bool(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof Boolean b) {
            return Optional.of(b);
        }
        throw wrong(key, "a boolean");
    }

    public boolean boolOr(String key, boolean fallback) {
        return bool(key).orElse(fallback);
    }

    public Optional<String[]> stringArray(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof String[] a) {
            return Optional.of(a);
        }
        throw wrong(key, "an array of strings");
    }

    public Optional<long[]> intArray(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof long[] a) {
            return Optional.of(a);
        }
        throw wrong(key, "an array of integers");
    }

    public Optional<double[]> floatArray(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof double[] a) {
            return Optional.of(a);
        }
        if (v.value() instanceof long[] a) {
            double[] d = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i];
            }
            return Optional.of(d);
        }
        throw wrong(key, "an array of numbers");
    }

    /** The model architecture, {@code general.architecture}. */
    public String architecture() {
        return requireString("general.architecture");
    }

    public String fileName() {
        return fileName;
    }
}
