package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on values: str methods ({@code strip}, {@code split},
 * {@code startswith}, {@code format}, ...), dict methods ({@code get}, {@code items}, ...), list
 * methods, and {@code loop.cycle}/{@code loop.changed}. Mutating list/dict methods exist here but
 * the evaluator only binds them when the environment allows mutation.
 */
final class PyMethods {

    private static final Set<String> STR = Set.of(
            "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "isalnum",
            "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
            "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
            "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines",
            "startswith", "strip", "swapcase", "title", "upper", "zfill");
    private static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    private static final Set<String> DICT_MUTATORS = Set.of("pop", "popitem", "setdefault", "update", "clear");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_MUTATORS = Set.of("append", "extend", "insert", "pop", "remove",
            "reverse", "sort", "clear");
    private static final Set<String> TUPLE = Set.of("index", "count");

    private PyMethods() {
    }

    static boolean has(Object receiver, String name) {
        return switch (receiver) {
            case String s -> STR.contains(name);
            case Markup m -> STR.contains(name);
            case Map<?, ?> m -> DICT.contains(name) || DICT_MUTATORS.contains(name);
            case PyTuple t -> TUPLE.contains(name);
            case PyRange r -> TUPLE.contains(name);
            case DictView d -> false;
            case List<?> l -> LIST.contains(name) || LIST_MUTATORS.contains(name);
            case null, default -> false;
        };
    }

    /** True for the methods Jinja2's ImmutableSandboxedEnvironment refuses. */
    static boolean mutates(Object receiver, String name) {
        return (receiver instanceof Map<?, ?> && DICT_MUTATORS.contains(name))
                || (receiver instanceof List<?> && !(receiver instanceof PyTuple) && LIST_MUTATORS.contains(name));
    }

    static Object call(Object receiver, String name, List<Object> args, Map<String, Object> kwargs) {
        Args a = new Args(args, kwargs);
        try {
            return switch (receiver) {
                case LoopContext loop -> name.equals("cycle") ? loop.cycle(args) : loop.changed(args);
                case String s -> StrMethods.call(s, name, a);
                case Markup m -> wrapMarkup(StrMethods.call(m.text(), name, markupArgs(a, name)));
                case Map<?, ?> map -> dictMethod(map, name, a);
                case List<?> list -> listMethod(list, name, a);
                default -> throw TemplateException.type("'" + PyValues.typeName(receiver) + "' object has no attribute '" + name + "'");
            };
        } catch (UnsupportedOperationException e) {
            throw TemplateException.type("'" + PyValues.typeName(receiver) + "' object does not support mutation");
        }
    }

    /** Markup's str methods escape their string arguments and return Markup, as markupsafe does. */
    private static Args markupArgs(Args a, String name) {
        if (name.equals("format") || name.equals("join") || name.equals("replace")) {
            List<Object> escaped = new ArrayList<>();
            for (Object o : a.positional) {
                escaped.add(PyValues.isString(o) ? Markup.escape(o).text() : o);
            }
            return new Args(escaped, a.keywords);
        }
        return a;
    }

    private static Object wrapMarkup(Object result) {
        if (result instanceof String s) {
            return new Markup(s);
        }
        if (result instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(o instanceof String s ? new Markup(s) : o);
            }
            return list instanceof PyTuple ? PyTuple.of(out) : out;
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Object dictMethod(Map<?, ?> map, String name, Args a) {
        Map<Object, Object> m = (Map<Object, Object>) map;
        switch (name) {
            case "get" -> {
                Object[] p = a.bind("get", "key", "default");
                if (p[0] == Args.ABSENT) {
                    throw TemplateException.type("get expected at least 1 argument, got 0");
                }
                return PyOps.dictGet(map, p[0], Args.or(p[1], null));
            }
            case "items" -> {
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(new PyTuple(k, v)));
                return new DictView("dict_items", items);
            }
            case "keys" -> {
                return new DictView("dict_keys", new ArrayList<>(m.keySet()));
            }
            case "values" -> {
                return new DictView("dict_values", new ArrayList<>(m.values()));
            }
            case "copy" -> {
                return new java.util.LinkedHashMap<>(m);
            }
            case "pop" -> {
                Object[] p = a.bind("pop", "key", "default");
                Object key = PyValues.dictKey(p[0]);
                if (m.containsKey(key)) {
                    return m.remove(key);
                }
                if (p[1] == Args.ABSENT) {
                    throw new TemplateException(TemplateException.Kind.VALUE, PyValues.repr(p[0]));
                }
                return p[1];
            }
            case "setdefault" -> {
                Object[] p = a.bind("setdefault", "key", "default");
                Object key = PyValues.dictKey(p[0]);
                if (!m.containsKey(key)) {
                    m.put(key, Args.or(p[1], null));
                }
                return m.get(key);
            }
            case "update" -> {
                for (Object other : a.positional) {
                    ((Map<Object, Object>) other).forEach((k, v) -> m.put(PyValues.dictKey(k), v));
                }
                m.putAll(a.keywords);
                return null;
            }
            case "clear" -> {
                m.clear();
                return null;
            }
            default -> {
                Object first = m.keySet().iterator().next();
                return new PyTuple(first, m.remove(first));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Object listMethod(List<?> list, String name, Args a) {
        List<Object> l = (List<Object>) list;
        switch (name) {
            case "index" -> {
                Object[] p = a.bind("index", "value");
                for (int i = 0; i < l.size(); i++) {
                    if (PyValues.equal(l.get(i), p[0])) {
                        return (long) i;
                    }
                }
                throw TemplateException.value(PyValues.repr(p[0]) + " is not in list");
            }
            case "count" -> {
                Object[] p = a.bind("count", "value");
                return l.stream().filter(o -> PyValues.equal(o, p[0])).count();
            }
            case "copy" -> {
                return new ArrayList<>(l);
            }
            case "append" -> {
                l.add(a.bind("append", "object")[0]);
                return null;
            }
            case "extend" -> {
                l.addAll(PyValues.toList(a.bind("extend", "iterable")[0]));
                return null;
            }
            case "insert" -> {
                Object[] p = a.bind("insert", "index", "object");
                int at = (int) Math.max(0, Math.min(l.size(), normalizeIndex(Args.asInt(p[0], 0, ""), l.size())));
                l.add(at, p[1]);
                return null;
            }
            case "pop" -> {
                Object[] p = a.bind("pop", "index");
                if (l.isEmpty()) {
                    throw new TemplateException(TemplateException.Kind.VALUE, "pop from empty list");
                }
                long at = normalizeIndex(Args.asInt(p[0], -1, ""), l.size());
                if (at < 0 || at >= l.size()) {
                    throw new TemplateException(TemplateException.Kind.VALUE, "pop index out of range");
                }
                return l.remove((int) at);
            }
            case "remove" -> {
                Object v = a.bind("remove", "value")[0];
                for (int i = 0; i < l.size(); i++) {
                    if (PyValues.equal(l.get(i), v)) {
                        l.remove(i);
                        return null;
                    }
                }
                throw TemplateException.value("list.remove(x): x not in list");
            }
            case "reverse" -> {
                java.util.Collections.reverse(l);
                return null;
            }
            case "sort" -> {
                Object[] p = a.bind("sort", "key", "reverse");
                boolean reverse = PyValues.truthy(Args.or(p[1], false));
                l.sort((x, y) -> reverse ? PyValues.order("<", y, x) : PyValues.order("<", x, y));
                return null;
            }
            default -> {
                l.clear();
                return null;
            }
        }
    }

    private static long normalizeIndex(long index, int size) {
        return index < 0 ? index + size : index;
    }
}
