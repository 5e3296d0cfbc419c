package dev.caravel.template;

import java.util.List;

/** Python {@code str} methods, with CPython's argument rules and error texts. */
final class StrMethods {

    private StrMethods() {
    }

    static Object call(String s, String name, Args a) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, chars(a, name), true, true);
            case "lstrip" -> PyStrings.strip(s, chars(a, name), true, false);
            case "rstrip" -> PyStrings.strip(s, chars(a, name), false, true);
            case "split", "rsplit" -> {
                Object[] p = a.bind(name, "sep", "maxsplit");
                Object sep = Args.or(p[0], null);
                String separator = sep == null ? null : requireStr(sep, name);
                int max = (int) Args.asInt(p[1], -1, "");
                yield name.equals("split") ? PyStrings.split(s, separator, max) : PyStrings.rsplit(s, separator, max);
            }
            case "splitlines" -> PyStrings.splitLines(s, PyValues.truthy(Args.or(a.bind(name, "keepends")[0], false)));
            case "startswith", "endswith" -> affix(s, name, a);
            case "upper" -> PyStrings.upper(s);
            case "lower" -> PyStrings.lower(s);
            case "casefold" -> PyStrings.lower(s);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "swapcase" -> PyStrings.swapCase(s);
            case "replace" -> {
                Object[] p = a.bind(name, "old", "new", "count");
                yield PyStrings.replace(s, requireStr(p[0], name), requireStr(p[1], name), Args.asInt(p[2], -1, ""));
            }
            case "find", "rfind", "index", "rindex", "count" -> search(s, name, a);
            case "format" -> PyFormat.format(s, a.positional, a.keywords);
            case "join" -> {
                Object iterable = a.bind(name, "iterable")[0];
                StringBuilder out = new StringBuilder();
                int i = 0;
                for (var it = PyValues.iterate(iterable); it.hasNext(); i++) {
                    Object item = it.next();
                    if (!PyValues.isString(item)) {
                        throw TemplateException.type("sequence item " + i + ": expected str instance, "
                                + PyValues.typeName(item) + " found");
                    }
                    if (i > 0) {
                        out.append(s);
                    }
                    out.append(PyValues.text(item));
                }
                yield out.toString();
            }
            case "center", "ljust", "rjust" -> {
                Object[] p = a.bind(name, "width", "fillchar");
                int width = (int) Args.asInt(p[0], 0, "");
                String fill = requireStr(Args.or(p[1], " "), name);
                if (PyStrings.codePointLength(fill) != 1) {
                    throw TemplateException.type("The fill character must be exactly one character long");
                }
                yield switch (name) {
                    case "center" -> PyStrings.center(s, width, fill);
                    case "ljust" -> PyStrings.ljust(s, width, fill);
                    default -> PyStrings.rjust(s, width, fill);
                };
            }
            case "zfill" -> PyStrings.zfill(s, (int) Args.asInt(a.bind(name, "width")[0], 0, ""));
            case "partition", "rpartition" -> {
                String sep = requireStr(a.bind(name, "sep")[0], name);
                if (sep.isEmpty()) {
                    throw TemplateException.value("empty separator");
                }
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    yield name.equals("partition") ? new PyTuple(s, "", "") : new PyTuple("", "", s);
                }
                yield new PyTuple(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            case "removeprefix" -> {
                String prefix = requireStr(a.bind(name, "prefix")[0], name);
                yield s.startsWith(prefix) ? s.substring(prefix.length()) : s;
            }
            case "removesuffix" -> {
                String suffix = requireStr(a.bind(name, "suffix")[0], name);
                yield !suffix.isEmpty() && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
            }
            case "isdigit", "isdecimal", "isnumeric" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
            case "isascii" -> s.chars().allMatch(c -> c < 128);
            case "islower" -> PyStrings.hasOnlyCase(s, true);
            case "isupper" -> PyStrings.hasOnlyCase(s, false);
            case "istitle" -> !s.isEmpty() && s.equals(PyStrings.title(s)) && s.codePoints().anyMatch(Character::isLetter);
            default -> throw TemplateException.type("'str' object has no attribute '" + name + "'");
        };
    }

    private static String chars(Args a, String name) {
        Object c = Args.or(a.bind(name, "chars")[0], null);
        return c == null ? null : requireStr(c, name);
    }

    static String requireStr(Object v, String function) {
        if (!PyValues.isString(v)) {
            throw TemplateException.type(function + " arg must be None or str");
        }
        return PyValues.text(v);
    }

    private static Object affix(String s, String name, Args a) {
        Object[] p = a.bind(name, "prefix", "start", "end");
        String window = window(s, p[1], p[2]);
        if (window == null) {
            return false;
        }
        List<Object> candidates;
        if (p[0] instanceof PyTuple t) {
            candidates = t;
        } else if (PyValues.isString(p[0])) {
            candidates = List.of(p[0]);
        } else {
            throw TemplateException.type(name + " first arg must be str or a tuple of str, not " + PyValues.typeName(p[0]));
        }
        for (Object c : candidates) {
            String text = requireStr(c, name);
            if (name.equals("startswith") ? window.startsWith(text) : window.endsWith(text)) {
                return true;
            }
        }
        return false;
    }

    /** The part of {@code s} between Python-style start/end (code points, negatives allowed); null if empty-inverted. */
    private static String window(String s, Object start, Object end) {
        int len = PyStrings.codePointLength(s);
        int from = clampIndex(Args.or(start, null), len, 0);
        int to = clampIndex(Args.or(end, null), len, len);
        if (to < from) {
            return null;
        }
        return s.substring(PyStrings.toCharIndex(s, from), PyStrings.toCharIndex(s, to));
    }

    private static int clampIndex(Object v, int len, int fallback) {
        if (v == null) {
            return fallback;
        }
        long i = Args.asInt(v, fallback, "");
        if (i < 0) {
            i = Math.max(0, i + len);
        }
        return (int) Math.min(i, len);
    }

    private static Object search(String s, String name, Args a) {
        Object[] p = a.bind(name, "sub", "start", "end");
        String sub = requireStr(p[0], name);
        int len = PyStrings.codePointLength(s);
        int from = clampIndex(Args.or(p[1], null), len, 0);
        int to = clampIndex(Args.or(p[2], null), len, len);
        if (to < from) {
            if (name.equals("count")) {
                return 0L;
            }
            return notFound(name);
        }
        String window = s.substring(PyStrings.toCharIndex(s, from), PyStrings.toCharIndex(s, to));
        if (name.equals("count")) {
            if (sub.isEmpty()) {
                return (long) PyStrings.codePointLength(window) + 1;
            }
            long count = 0;
            for (int at = window.indexOf(sub); at >= 0; at = window.indexOf(sub, at + sub.length())) {
                count++;
            }
            return count;
        }
        int at = name.startsWith("r") ? window.lastIndexOf(sub) : window.indexOf(sub);
        if (at < 0) {
            return notFound(name);
        }
        return (long) (from + PyStrings.toCodePointIndex(window, at));
    }

    private static Object notFound(String name) {
        if (name.equals("index") || name.equals("rindex")) {
            throw TemplateException.value("substring not found");
        }
        return -1L;
    }
}
