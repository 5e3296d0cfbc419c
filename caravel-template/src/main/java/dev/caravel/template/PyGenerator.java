package dev.caravel.template;

import java.util.Iterator;

/**
 * A one-shot lazy sequence, the stand-in for Python generators and iterators that filters such as
 * {@code map}, {@code select} or {@code items} return. Keeping them lazy and single-use matters
 * for fidelity: Jinja2 cannot take their length or serialize them to JSON, and a second pass over
 * one sees nothing.
 */
final class PyGenerator implements Iterator<Object> {

    private final Iterator<?> source;
    private final String typeName;

    PyGenerator(Iterator<?> source, String typeName) {
        this.source = source;
        this.typeName = typeName;
    }

    PyGenerator(Iterator<?> source) {
        this(source, "generator");
    }

    /** The Python type name used in error messages, e.g. "generator" or "dict_itemiterator". */
    String typeName() {
        return typeName;
    }

    @Override
    public boolean hasNext() {
        return source.hasNext();
    }

    @Override
    public Object next() {
        return source.next();
    }
}
