package dev.caravel.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Jinja2's filters over sequences and mappings. {@code map}, {@code select}, {@code reject},
 * {@code selectattr}, {@code rejectattr}, {@code unique}, {@code batch} and {@code items} return
 * one-shot generators as in Jinja2, so {@code |length} or {@code |tojson} on them fail exactly
 * where Python fails, and {@code |list} materializes them.
 */
final class SequenceFilters {

    private SequenceFilters() {
    }

    static void register(Map<String, FilterFunction> f) {
        f.put("batch", SequenceFilters::batch);
        f.put("dictsort", SequenceFilters::dictsort);
        f.put("first", (ev, v, a) -> {
            Iterator<Object> it = PyValues.iterate(v);
            return it.hasNext() ? it.next() : Undefined.withHint("No first item, sequence was empty.");
        });
        f.put("last", (ev, v, a) -> last(v));
        f.put("groupby", SequenceFilters::groupby);
        f.put("items", (ev, v, a) -> {
            if (v instanceof Undefined) {
                return new PyGenerator(Collections.emptyIterator());
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw TemplateException.type("Can only get item pairs from a mapping.");
            }
            List<Object> pairs = new ArrayList<>();
            m.forEach((k, val) -> pairs.add(new PyTuple(k, val)));
            return new PyGenerator(pairs.iterator());
        });
        f.put("join", (ev, v, a) -> {
            Object[] p = a.bind("join", "d", "attribute");
            Iterator<Object> it = PyValues.iterate(v);
            Object attribute = Args.or(p[1], null);
            Function<Object, Object> getter = attribute == null ? x -> x : attrGetter(ev, attribute, false, null);
            String sep = PyValues.str(Args.or(p[0], ""));
            StringBuilder out = new StringBuilder();
            boolean first = true;
            while (it.hasNext()) {
                if (!first) {
                    out.append(sep);
                }
                first = false;
                out.append(PyValues.str(getter.apply(it.next())));
            }
            return out.toString();
        });
        FilterFunction length = (ev, v, a) -> (long) PyValues.length(v);
        f.put("length", length);
        f.put("count", length);
        f.put("list", (ev, v, a) -> PyValues.toList(v));
        f.put("map", SequenceFilters::map);
        f.put("max", (ev, v, a) -> minOrMax(ev, v, a, "max"));
        f.put("min", (ev, v, a) -> minOrMax(ev, v, a, "min"));
        f.put("reverse", (ev, v, a) -> reverse(v));
        f.put("select", (ev, v, a) -> selectOrReject(ev, v, a, false, true));
        f.put("reject", (ev, v, a) -> selectOrReject(ev, v, a, false, false));
        f.put("selectattr", (ev, v, a) -> selectOrReject(ev, v, a, true, true));
        f.put("rejectattr", (ev, v, a) -> selectOrReject(ev, v, a, true, false));
        f.put("slice", SequenceFilters::slice);
        f.put("sort", SequenceFilters::sort);
        f.put("sum", (ev, v, a) -> {
            Object[] p = a.bind("sum", "attribute", "start");
            Object attribute = Args.or(p[0], null);
            Function<Object, Object> getter = attribute == null ? x -> x : attrGetter(ev, attribute, false, null);
            Object total = Args.or(p[1], 0L);
            if (PyValues.isString(total)) {
                throw TemplateException.type("sum() can't sum strings [use ''.join(seq) instead]");
            }
            for (Iterator<Object> it = PyValues.iterate(v); it.hasNext(); ) {
                total = PyOps.add(total, getter.apply(it.next()));
            }
            return total;
        });
        f.put("unique", SequenceFilters::unique);
    }

    // ---- attribute getters ------------------------------------------------------------------

    private static Object ignoreCase(Object v) {
        return PyValues.isString(v) ? PyStrings.lower(PyValues.text(v)) : v;
    }

    /** Jinja2's make_attrgetter: dotted path, numeric parts become indexes, lookups via getitem. */
    static Function<Object, Object> attrGetter(Evaluator ev, Object attribute, boolean lowerCase, Object fallback) {
        List<Object> parts = new ArrayList<>();
        if (attribute == null) {
            // no path: the item itself
        } else if (PyValues.isString(attribute)) {
            for (Object part : PyStrings.split(PyValues.text(attribute), ".", -1)) {
                String s = (String) part;
                parts.add(!s.isEmpty() && s.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(s) : s);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            for (Object part : parts) {
                item = ev.getItem(item, part);
                if (fallback != null && item instanceof Undefined) {
                    item = fallback;
                }
            }
            return lowerCase ? ignoreCase(item) : item;
        };
    }

    // ---- filters ----------------------------------------------------------------------------

    private static Object batch(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("batch", "linecount", "fill_with");
        int size = (int) Args.asInt(p[0], 0, "");
        Object fill = Args.or(p[1], null);
        Iterator<Object> source = PyValues.iterate(v);
        return new PyGenerator(new Iterator<Object>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Object next() {
                if (!source.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<Object> group = new ArrayList<>();
                while (group.size() < size && source.hasNext()) {
                    group.add(source.next());
                }
                if (fill != null && !source.hasNext()) {
                    while (group.size() < size) {
                        group.add(fill);
                    }
                }
                return group;
            }
        });
    }

    private static Object slice(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("slice", "slices", "fill_with");
        int slices = (int) Args.asInt(p[0], 0, "");
        Object fill = Args.or(p[1], null);
        List<Object> seq = PyValues.toList(v);
        int perSlice = seq.size() / slices;
        int withExtra = seq.size() % slices;
        List<Object> out = new ArrayList<>();
        int offset = 0;
        for (int n = 0; n < slices; n++) {
            int start = offset + n * perSlice;
            if (n < withExtra) {
                offset++;
            }
            int end = offset + (n + 1) * perSlice;
            List<Object> part = new ArrayList<>(seq.subList(start, end));
            if (fill != null && n >= withExtra) {
                part.add(fill);
            }
            out.add(part);
        }
        return new PyGenerator(out.iterator());
    }

    private static Object dictsort(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("dictsort", "case_sensitive", "by", "reverse");
        boolean caseSensitive = PyValues.truthy(Args.or(p[0], false));
        String by = PyValues.str(Args.or(p[1], "key"));
        boolean reverse = PyValues.truthy(Args.or(p[2], false));
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT,
                    "You can only sort by either \"key\" or \"value\"");
        };
        if (!(v instanceof Map<?, ?> m)) {
            throw TemplateException.type("'" + PyValues.typeName(v) + "' object has no attribute 'items'");
        }
        List<Object> items = new ArrayList<>();
        m.forEach((k, val) -> items.add(new PyTuple(k, val)));
        Function<Object, Object> key = item -> {
            Object x = ((PyTuple) item).get(pos);
            return caseSensitive ? x : ignoreCase(x);
        };
        sortBy(items, key, reverse);
        return items;
    }

    private static void sortBy(List<Object> items, Function<Object, Object> key, boolean reverse) {
        Comparator<Object> cmp = (x, y) -> PyValues.order("<", key.apply(x), key.apply(y));
        items.sort(reverse ? cmp.reversed() : cmp);
    }

    private static Object sort(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("sort", "reverse", "case_sensitive", "attribute");
        boolean reverse = PyValues.truthy(Args.or(p[0], false));
        boolean caseSensitive = PyValues.truthy(Args.or(p[1], false));
        Object attribute = Args.or(p[2], null);
        List<Function<Object, Object>> getters = new ArrayList<>();
        if (PyValues.isString(attribute)) {
            for (Object part : PyStrings.split(PyValues.text(attribute), ",", -1)) {
                getters.add(attrGetter(ev, part, !caseSensitive, null));
            }
        } else {
            getters.add(attrGetter(ev, attribute, !caseSensitive, null));
        }
        List<Object> items = PyValues.toList(v);
        sortBy(items, item -> getters.stream().map(g -> g.apply(item)).toList(), reverse);
        return items;
    }

    private static Object groupby(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("groupby", "attribute", "default", "case_sensitive");
        Object fallback = Args.or(p[1], null);
        boolean caseSensitive = PyValues.truthy(Args.or(p[2], false));
        Function<Object, Object> key = attrGetter(ev, p[0], !caseSensitive, fallback);
        Function<Object, Object> realKey = attrGetter(ev, p[0], false, fallback);
        List<Object> items = PyValues.toList(v);
        sortBy(items, key, false);
        List<Object> groups = new ArrayList<>();
        List<Object> current = null;
        Object currentKey = null;
        for (Object item : items) {
            Object k = key.apply(item);
            if (current == null || !PyValues.equal(k, currentKey)) {
                current = new ArrayList<>();
                currentKey = k;
                groups.add(current);
            }
            current.add(item);
        }
        List<Object> out = new ArrayList<>();
        for (Object g : groups) {
            List<?> members = (List<?>) g;
            out.add(new GroupTuple(realKey.apply(members.getFirst()), members));
        }
        return out;
    }

    private static Object last(Object v) {
        if (v instanceof PyGenerator) {
            throw TemplateException.type("'generator' object is not reversible");
        }
        if (v instanceof Undefined) {
            return Undefined.withHint("No last item, sequence was empty.");
        }
        List<Object> items = PyValues.toList(v);
        return items.isEmpty() ? Undefined.withHint("No last item, sequence was empty.") : items.getLast();
    }

    private static Object map(Evaluator ev, Object v, Args a) {
        if (!PyValues.truthy(v)) {
            return new PyGenerator(Collections.emptyIterator());
        }
        Function<Object, Object> fn;
        if (a.positional.isEmpty() && a.keywords.containsKey("attribute")) {
            Map<String, Object> kw = new java.util.LinkedHashMap<>(a.keywords);
            Object attribute = kw.remove("attribute");
            Object fallback = kw.remove("default");
            if (!kw.isEmpty()) {
                throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT,
                        "Unexpected keyword argument " + PyValues.repr(kw.keySet().iterator().next()));
            }
            fn = attrGetter(ev, attribute, false, fallback);
        } else {
            if (a.positional.isEmpty()) {
                throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT, "map requires a filter argument");
            }
            String name = PyValues.str(a.positional.getFirst());
            Args rest = a.dropPositional(1);
            fn = item -> ev.filter(name, item, rest);
        }
        Iterator<Object> source = PyValues.iterate(v);
        return new PyGenerator(mapped(source, fn));
    }

    private static Iterator<Object> mapped(Iterator<Object> source, Function<Object, Object> fn) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Object next() {
                return fn.apply(source.next());
            }
        };
    }

    private static Object selectOrReject(Evaluator ev, Object v, Args a, boolean byAttribute, boolean keep) {
        if (!PyValues.truthy(v)) {
            return new PyGenerator(Collections.emptyIterator());
        }
        Function<Object, Object> transform = x -> x;
        int offset = 0;
        if (byAttribute) {
            if (a.positional.isEmpty()) {
                throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT, "Missing parameter for attribute name");
            }
            transform = attrGetter(ev, a.positional.getFirst(), false, null);
            offset = 1;
        }
        Predicate<Object> test;
        if (a.positional.size() > offset) {
            String name = PyValues.str(a.positional.get(offset));
            Args rest = a.dropPositional(offset + 1);
            test = x -> ev.test(name, x, rest);
        } else {
            test = PyValues::truthy;
        }
        Function<Object, Object> t = transform;
        Iterator<Object> source = PyValues.iterate(v);
        return new PyGenerator(filtered(source, item -> test.test(t.apply(item)) == keep));
    }

    static Iterator<Object> filtered(Iterator<Object> source, Predicate<Object> accept) {
        return new Iterator<>() {
            private Object pending;
            private boolean ready;

            @Override
            public boolean hasNext() {
                while (!ready && source.hasNext()) {
                    Object candidate = source.next();
                    if (accept.test(candidate)) {
                        pending = candidate;
                        ready = true;
                    }
                }
                return ready;
            }

            @Override
            public Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ready = false;
                return pending;
            }
        };
    }

    private static Object unique(Evaluator ev, Object v, Args a) {
        Object[] p = a.bind("unique", "case_sensitive", "attribute");
        boolean caseSensitive = PyValues.truthy(Args.or(p[0], false));
        Function<Object, Object> key = attrGetter(ev, Args.or(p[1], null), !caseSensitive, null);
        List<Object> seen = new ArrayList<>();
        Iterator<Object> source = PyValues.iterate(v);
        return new PyGenerator(filtered(source, item -> {
            Object k = key.apply(item);
            for (Object s : seen) {
                if (PyValues.equal(s, k)) {
                    return false;
                }
            }
            seen.add(k);
            return true;
        }));
    }

    private static Object minOrMax(Evaluator ev, Object v, Args a, String which) {
        Object[] p = a.bind(which, "case_sensitive", "attribute");
        boolean caseSensitive = PyValues.truthy(Args.or(p[0], false));
        Function<Object, Object> key = attrGetter(ev, Args.or(p[1], null), !caseSensitive, null);
        Iterator<Object> it = PyValues.iterate(v);
        if (!it.hasNext()) {
            return Undefined.withHint("No aggregated item, sequence was empty.");
        }
        Object best = it.next();
        Object bestKey = key.apply(best);
        while (it.hasNext()) {
            Object item = it.next();
            Object k = key.apply(item);
            boolean better = which.equals("max") ? PyValues.ordered(">", k, bestKey) : PyValues.ordered("<", k, bestKey);
            if (better) {
                best = item;
                bestKey = k;
            }
        }
        return best;
    }

    private static Object reverse(Object v) {
        if (v instanceof String s) {
            return new StringBuilder(s).reverse().toString();
        }
        if (v instanceof Markup m) {
            return new Markup(new StringBuilder(m.text()).reverse().toString());
        }
        if (v instanceof PyGenerator || v instanceof Undefined) {
            List<Object> items = PyValues.toList(v);
            Collections.reverse(items);
            return items;
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            List<Object> items = PyValues.toList(v);
            Collections.reverse(items);
            String type = v instanceof Map<?, ?> ? "dict_reversekeyiterator"
                    : v instanceof PyTuple ? "reversed" : v instanceof PyRange ? "range_iterator" : "list_reverseiterator";
            return new PyGenerator(items.iterator(), type);
        }
        throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT, "argument must be iterable");
    }
}
