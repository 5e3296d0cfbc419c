package dev.caravel.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The object {@code namespace(...)} creates: the one mutable holder Jinja2 offers, so a value set
 * inside a loop body can outlive the iteration ({@code {% set ns.found = true %}}).
 */
public final class Namespace {

    private final Map<String, Object> attributes = new LinkedHashMap<>();

    Namespace(Map<String, Object> initial) {
        attributes.putAll(initial);
    }

    boolean has(String name) {
        return attributes.containsKey(name);
    }

    Object get(String name) {
        return attributes.get(name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    Map<String, Object> attributes() {
        return attributes;
    }
}
