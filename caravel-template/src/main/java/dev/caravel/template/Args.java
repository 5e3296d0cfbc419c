package dev.caravel.template;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Arguments passed to a filter, test or method, bound to parameter names the way Python binds a
 * call: positionals first, then keywords by name, with Python's TypeError for surplus or
 * unknown arguments.
 */
final class Args {

    /** Marks a parameter the call did not supply. */
    static final Object ABSENT = new Object();

    static final Args NONE = new Args(List.of(), Map.of());

    final List<Object> positional;
    final Map<String, Object> keywords;

    Args(List<Object> positional, Map<String, Object> keywords) {
        this.positional = positional;
        this.keywords = keywords;
    }

    /**
     * Binds to {@code names}; absent parameters come back as {@link #ABSENT}. {@code function} names
     * the Python function in error messages.
     */
    Object[] bind(String function, String... names) {
        Object[] out = new Object[names.length];
        Arrays.fill(out, ABSENT);
        if (positional.size() > names.length) {
            throw TemplateException.type(function + "() takes at most " + (names.length + 1)
                    + " positional arguments (" + (positional.size() + 1) + " given)");
        }
        for (int i = 0; i < positional.size(); i++) {
            out[i] = positional.get(i);
        }
        for (Map.Entry<String, Object> kw : keywords.entrySet()) {
            int at = Arrays.asList(names).indexOf(kw.getKey());
            if (at < 0) {
                throw TemplateException.type(function + "() got an unexpected keyword argument "
                        + PyValues.repr(kw.getKey()));
            }
            if (out[at] != ABSENT) {
                throw TemplateException.type(function + "() got multiple values for argument "
                        + PyValues.repr(kw.getKey()));
            }
            out[at] = kw.getValue();
        }
        return out;
    }

    static Object or(Object bound, Object fallback) {
        return bound == ABSENT ? fallback : bound;
    }

    /** A bound argument read as a Python int (bool counts, as in Python). */
    static long asInt(Object bound, long fallback, String what) {
        Object v = or(bound, fallback);
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (PyValues.isInt(v)) {
            return ((Number) v).longValue();
        }
        throw TemplateException.type("'" + PyValues.typeName(v) + "' object cannot be interpreted as an integer"
                + (what.isEmpty() ? "" : " (" + what + ")"));
    }

    /** Arguments after dropping the first {@code n} positionals (used by map/select). */
    Args dropPositional(int n) {
        return new Args(positional.subList(Math.min(n, positional.size()), positional.size()), keywords);
    }
}
