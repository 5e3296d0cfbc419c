package dev.caravel.template;

import java.util.HashMap;
import java.util.Map;

/**
 * One level of variable bindings. Jinja2 opens a new level for every loop iteration, macro call,
 * {@code with}, call and filter block and block-{@code set} body, but not for {@code if}: so a
 * {@code set} inside a loop is forgotten when the iteration ends, which is why templates use
 * {@code namespace()} to carry state out of loops.
 */
final class Scope {

    static final Object NOT_FOUND = new Object();

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The innermost binding of {@code name}, or {@link #NOT_FOUND}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, NOT_FOUND);
            if (v != NOT_FOUND) {
                return v;
            }
        }
        return NOT_FOUND;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
