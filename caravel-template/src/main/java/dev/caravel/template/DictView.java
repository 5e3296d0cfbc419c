package dev.caravel.template;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * What {@code dict.items()}, {@code keys()} and {@code values()} return: iterable, sized, and
 * printed as {@code dict_items([...])}. A snapshot list is enough because templates cannot mutate
 * dicts under the immutable sandbox.
 */
final class DictView extends AbstractList<Object> implements RandomAccess {

    private final String typeName;
    private final List<Object> items;

    DictView(String typeName, List<Object> items) {
        this.typeName = typeName;
        this.items = items;
    }

    String typeName() {
        return typeName;
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
