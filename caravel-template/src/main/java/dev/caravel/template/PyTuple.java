package dev.caravel.template;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable Python tuple. It behaves as a list for iteration and indexing but prints as
 * {@code (1, 2)} and never equals a list, exactly like Python.
 */
public class PyTuple extends AbstractList<Object> implements RandomAccess {

    private final Object[] items;

    public PyTuple(Object... items) {
        this.items = items.clone();
    }

    public static PyTuple of(List<?> items) {
        return new PyTuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
