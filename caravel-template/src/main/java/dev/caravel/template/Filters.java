package dev.caravel.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters for scalars and strings, each following the Jinja2 3.1 implementation
 * (including its quirks, e.g. {@code indent} appending a newline before splitting, or
 * {@code replace} returning a plain string even for Markup). Collection filters live in
 * {@link SequenceFilters}; {@code tojson} follows Hugging Face's override
 * ({@code json.dumps(x, ensure_ascii=False, indent, separators, sort_keys=False)}).
 */
final class Filters {

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s(\\{\\[<]+)");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");

    private Filters() {
    }

    static Map<String, FilterFunction> builtins() {
        Map<String, FilterFunction> f = new HashMap<>();
        f.put("abs", (ev, v, a) -> {
            a.bind("abs");
            return PyOps.abs(v);
        });
        f.put("attr", (ev, v, a) -> ev.attr(v, PyValues.str(a.bind("attr", "name")[0])));
        f.put("capitalize", (ev, v, a) -> softMap(v, PyStrings::capitalize));
        f.put("center", (ev, v, a) -> softMap(v, s -> PyStrings.center(s, (int) Args.asInt(a.bind("center", "width")[0], 80, ""), " ")));
        FilterFunction defaultFilter = (ev, v, a) -> {
            Object[] p = a.bind("default", "default_value", "boolean");
            boolean useOnFalsy = PyValues.truthy(Args.or(p[1], false));
            if (v instanceof Undefined || (useOnFalsy && !PyValues.truthy(v))) {
                return Args.or(p[0], "");
            }
            return v;
        };
        f.put("default", defaultFilter);
        f.put("d", defaultFilter);
        FilterFunction escape = (ev, v, a) -> Markup.escape(v);
        f.put("escape", escape);
        f.put("e", escape);
        f.put("forceescape", (ev, v, a) -> new Markup(Markup.escapeHtml(PyValues.str(v))));
        f.put("float", (ev, v, a) -> toFloat(v, Args.or(a.bind("float", "default")[0], 0.0)));
        f.put("format", (ev, v, a) -> {
            if (!a.positional.isEmpty() && !a.keywords.isEmpty()) {
                throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT,
                        "can't handle positional and keyword arguments at the same time");
            }
            Object args = a.keywords.isEmpty() ? PyTuple.of(a.positional) : new java.util.LinkedHashMap<>(a.keywords);
            return PyOps.modulo(soft(v), args);
        });
        f.put("indent", (ev, v, a) -> indent(v, a));
        f.put("int", (ev, v, a) -> {
            Object[] p = a.bind("int", "default", "base");
            return toInt(v, Args.or(p[0], 0L), (int) Args.asInt(p[1], 10, ""));
        });
        f.put("lower", (ev, v, a) -> softMap(v, PyStrings::lower));
        f.put("upper", (ev, v, a) -> softMap(v, PyStrings::upper));
        f.put("pprint", (ev, v, a) -> PrettyPrinter.format(v));
        f.put("replace", (ev, v, a) -> {
            Object[] p = a.bind("replace", "old", "new", "count");
            Object count = Args.or(p[2], null);
            return PyStrings.replace(PyValues.str(v), PyValues.str(p[0]), PyValues.str(p[1]),
                    count == null ? -1 : Args.asInt(count, -1, ""));
        });
        f.put("round", (ev, v, a) -> round(v, a));
        f.put("safe", (ev, v, a) -> v instanceof Markup ? v : new Markup(PyValues.str(v)));
        f.put("string", (ev, v, a) -> soft(v));
        f.put("title", (ev, v, a) -> title(PyValues.str(v)));
        f.put("tojson", (ev, v, a) -> tojson(v, a));
        f.put("trim", (ev, v, a) -> {
            Object chars = Args.or(a.bind("trim", "chars")[0], null);
            return softMap(v, s -> PyStrings.strip(s, chars == null ? null : PyValues.str(chars), true, true));
        });
        f.put("truncate", (ev, v, a) -> truncate(PyValues.str(v), a));
        f.put("wordcount", (ev, v, a) -> {
            Matcher m = WORD.matcher(PyValues.str(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        SequenceFilters.register(f);
        return f;
    }

    /** Jinja2's soft_str: Markup stays Markup, everything else becomes str. */
    static Object soft(Object v) {
        return v instanceof Markup ? v : PyValues.str(v);
    }

    /** Applies a str transformation, keeping the Markup-ness of the input like markupsafe does. */
    private static Object softMap(Object v, java.util.function.UnaryOperator<String> op) {
        if (v instanceof Markup m) {
            return new Markup(op.apply(m.text()));
        }
        return op.apply(PyValues.str(v));
    }

    private static Object toFloat(Object v, Object fallback) {
        try {
            if (PyValues.isNumber(v)) {
                return PyOps.asDouble(v);
            }
            if (PyValues.isString(v)) {
                return parsePythonFloat(PyValues.text(v));
            }
        } catch (NumberFormatException e) {
            return fallback;
        }
        return fallback;
    }

    private static double parsePythonFloat(String text) {
        String s = PyStrings.strip(text, null, true, true).replace("_", "");
        String lower = s.toLowerCase();
        switch (lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower) {
            case "inf", "infinity" -> {
                return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            case "nan" -> {
                return Double.NaN;
            }
            default -> {
            }
        }
        if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
            throw new NumberFormatException(s);
        }
        return Double.parseDouble(s);
    }

    /** Jinja2's do_int: int(value, base) for strings, else int(value), else int(float(value)). */
    private static Object toInt(Object v, Object fallback, int base) {
        if (PyValues.isInt(v) || v instanceof Boolean) {
            return PyOps.normalize(PyOps.big(v));
        }
        if (PyValues.isFloat(v)) {
            double d = PyOps.asDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return fallback;
            }
            return PyOps.normalize(new BigDecimal(d).toBigInteger());
        }
        if (PyValues.isString(v)) {
            String s = PyStrings.strip(PyValues.text(v), null, true, true);
            try {
                return parsePythonInt(s, base);
            } catch (NumberFormatException e) {
                try {
                    double d = parsePythonFloat(s);
                    return Double.isNaN(d) || Double.isInfinite(d) ? fallback
                            : PyOps.normalize(new BigDecimal(d).toBigInteger());
                } catch (NumberFormatException e2) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private static Object parsePythonInt(String s, int base) {
        String digits = s;
        boolean negative = false;
        if (digits.startsWith("+") || digits.startsWith("-")) {
            negative = digits.startsWith("-");
            digits = digits.substring(1);
        }
        String lower = digits.toLowerCase();
        if ((base == 16 && lower.startsWith("0x")) || (base == 8 && lower.startsWith("0o"))
                || (base == 2 && lower.startsWith("0b"))) {
            digits = digits.substring(2);
        }
        if (digits.isEmpty() || digits.startsWith("_") || digits.endsWith("_") || digits.contains("__")) {
            throw new NumberFormatException(s);
        }
        var value = new java.math.BigInteger(digits.replace("_", ""), base);
        return PyOps.normalize(negative ? value.negate() : value);
    }

    private static Object indent(Object v, Args a) {
        Object[] p = a.bind("indent", "width", "first", "blank");
        Object width = Args.or(p[0], 4L);
        String indention = PyValues.isString(width) ? PyValues.text(width) : " ".repeat((int) Args.asInt(width, 4, ""));
        boolean first = PyValues.truthy(Args.or(p[1], false));
        boolean blank = PyValues.truthy(Args.or(p[2], false));
        String s = PyValues.str(v) + "\n";
        List<Object> lines = PyStrings.splitLines(s, false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    rv.append('\n').append(indention);
                }
                rv.append(lines.get(i));
            }
        } else {
            rv.append(lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n');
                if (!line.isEmpty()) {
                    rv.append(indention);
                }
                rv.append(line);
            }
        }
        String result = first ? indention + rv : rv.toString();
        return v instanceof Markup ? new Markup(result) : result;
    }

    /** Jinja2's do_round: Python round() for "common", math.ceil/floor scaled for the others. */
    private static Object round(Object v, Args a) {
        Object[] p = a.bind("round", "precision", "method");
        long precision = Args.asInt(p[0], 0, "");
        String method = PyValues.str(Args.or(p[1], "common"));
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new TemplateException(TemplateException.Kind.FILTER_ARGUMENT, "method must be common, ceil or floor");
        }
        if (!PyValues.isNumber(v)) {
            throw TemplateException.type("type " + PyValues.typeName(v) + " doesn't define __round__ method");
        }
        if (method.equals("common")) {
            if (!PyValues.isFloat(v)) {
                BigDecimal rounded = new BigDecimal(PyOps.big(v)).setScale((int) precision, RoundingMode.HALF_EVEN);
                return PyOps.normalize(rounded.setScale(0, RoundingMode.UNNECESSARY).toBigInteger());
            }
            double d = PyOps.asDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            double rounded = new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            return Math.copySign(rounded, d);
        }
        Object scale = PyOps.power(10L, precision);
        double scaled = PyOps.asDouble(PyOps.multiply(v, scale));
        double rounded = method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled);
        return PyOps.asDouble(PyOps.trueDivide(PyOps.normalize(new BigDecimal(rounded).toBigInteger()), scale));
    }

    /** Jinja2's do_title: capitalizes each word, words being split at whitespace, dashes and brackets. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        while (m.find()) {
            titleWord(out, s.substring(last, m.start()));
            titleWord(out, m.group());
            last = m.end();
        }
        titleWord(out, s.substring(last));
        return out.toString();
    }

    private static void titleWord(StringBuilder out, String item) {
        if (item.isEmpty()) {
            return;
        }
        int first = item.codePointAt(0);
        int n = Character.charCount(first);
        out.append(PyStrings.upper(item.substring(0, n))).append(PyStrings.lower(item.substring(n)));
    }

    private static Object truncate(String s, Args a) {
        Object[] p = a.bind("truncate", "length", "killwords", "end", "leeway");
        long length = Args.asInt(p[0], 255, "");
        boolean killwords = PyValues.truthy(Args.or(p[1], false));
        String end = PyValues.str(Args.or(p[2], "..."));
        long leeway = Args.asInt(Args.or(p[3], null) == null ? Args.ABSENT : p[3], 5, "");
        if (length < end.length()) {
            throw new TemplateException(TemplateException.Kind.RUNTIME, "expected length >= " + end.length() + ", got " + length);
        }
        int len = PyStrings.codePointLength(s);
        if (len <= length + leeway) {
            return s;
        }
        String head = s.substring(0, PyStrings.toCharIndex(s, (int) (length - end.length())));
        if (killwords) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space >= 0 ? head.substring(0, space) : head) + end;
    }

    /** Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
    private static Object tojson(Object v, Args a) {
        Object[] p = a.bind("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        boolean ensureAscii = PyValues.truthy(Args.or(p[0], false));
        Object indentArg = Args.or(p[1], null);
        String indent = null;
        if (indentArg != null) {
            indent = PyValues.isString(indentArg) ? PyValues.text(indentArg) : " ".repeat((int) Math.max(0, Args.asInt(indentArg, 0, "")));
        }
        Object separators = Args.or(p[2], null);
        String itemSep = null;
        String keySep = null;
        if (separators != null) {
            List<Object> seps = PyValues.toList(separators);
            if (seps.size() != 2) {
                throw TemplateException.value("too many values to unpack (expected 2)");
            }
            itemSep = PyValues.str(seps.get(0));
            keySep = PyValues.str(seps.get(1));
        }
        boolean sortKeys = PyValues.truthy(Args.or(p[3], false));
        return new JsonWriter(ensureAscii, indent, itemSep, keySep, sortKeys).write(v);
    }
}
