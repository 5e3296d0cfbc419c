package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} with the options Hugging Face's {@code tojson} exposes
 * ({@code ensure_ascii}, {@code indent}, {@code separators}, {@code sort_keys}). Byte-exact details
 * that matter for prompts: {@code ", "}/{@code ": "} separators by default and {@code ","} as item
 * separator once an indent is given, Python float repr, and which escapes are used.
 */
final class JsonWriter {

    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    JsonWriter(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : (indent != null ? "," : ", ");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    String write(Object value) {
        value(value, 0);
        return out.toString();
    }

    private void newline(int level) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(level));
        }
    }

    private void value(Object v, int level) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case String s -> string(s);
            case Markup m -> string(m.text());
            case Number n when PyValues.isFloat(n) -> out.append(floatText(n.doubleValue()));
            case Number n when PyValues.isInt(n) -> out.append(n);
            case List<?> l when !(v instanceof DictView) -> array(l, level);
            case Map<?, ?> m -> object(m, level);
            default -> throw TemplateException.type("Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyFloat.repr(d);
    }

    private void array(List<?> list, int level) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(level + 1);
            value(list.get(i), level + 1);
        }
        newline(level);
        out.append(']');
    }

    private void object(Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            entries.add(Map.entry(keyText(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        }
        if (sortKeys) {
            entries.sort((a, b) -> PyStrings.compareCodePoints(a.getKey(), b.getKey()));
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
            if (!first) {
                out.append(itemSeparator);
            }
            first = false;
            newline(level + 1);
            string(e.getKey());
            out.append(keySeparator);
            value(e.getValue() == NULL ? null : e.getValue(), level + 1);
        }
        newline(level);
        out.append('}');
    }

    /** Map.entry rejects null values; JSON nulls travel through this marker. */
    private static final Object NULL = new Object();

    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case Markup m -> m.text();
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Number n when PyValues.isFloat(n) -> floatText(n.doubleValue());
            case Number n when PyValues.isInt(n) -> n.toString();
            default -> throw TemplateException.type("keys must be str, int, float, bool or None, not "
                    + PyValues.typeName(key));
        };
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
