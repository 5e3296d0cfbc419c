package dev.caravel.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Python object model that templates observe, applied to the Java value model
 * ({@code null}=None, Boolean, Long/Double, String, List, Map, {@link Undefined}, ...): type names,
 * truthiness, {@code str()}, {@code repr()}, {@code ==}, ordering, {@code iter()} and {@code len()}.
 * Output must match Python byte for byte, so every rule here follows CPython's.
 */
final class PyValues {

    private PyValues() {
    }

    // ---- type predicates -------------------------------------------------------------------

    /** Python int (bool excluded): the integral boxed types and BigInteger. */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof BigInteger
                || v instanceof Short || v instanceof Byte;
    }

    static boolean isFloat(Object v) {
        return v instanceof Double || v instanceof Float || v instanceof BigDecimal;
    }

    /** numbers.Number in Python, which includes bool because bool subclasses int. */
    static boolean isNumber(Object v) {
        return isInt(v) || isFloat(v) || v instanceof Boolean;
    }

    static boolean isString(Object v) {
        return v instanceof String || v instanceof Markup;
    }

    /** The text of a str or Markup value. */
    static String text(Object v) {
        return v instanceof Markup m ? m.text() : (String) v;
    }

    static boolean isCallable(Object v) {
        return v instanceof JinjaFunction || v instanceof LoopContext;
    }

    // ---- names used in messages ------------------------------------------------------------

    /** {@code type(v).__name__}. */
    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (isInt(v)) {
            return "int";
        }
        if (isFloat(v)) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Markup) {
            return "Markup";
        }
        if (v instanceof PyTuple) {
            return "tuple";
        }
        if (v instanceof PyRange) {
            return "range";
        }
        if (v instanceof DictView dv) {
            return dv.typeName();
        }
        if (v instanceof List<?>) {
            return "list";
        }
        if (v instanceof Map<?, ?>) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        if (v instanceof Macro) {
            return "Macro";
        }
        if (v instanceof LoopContext) {
            return "LoopContext";
        }
        if (v instanceof PyGenerator g) {
            return g.typeName();
        }
        if (v instanceof BoundMethod) {
            return "builtin_function_or_method";
        }
        if (v instanceof JinjaFunction) {
            return "function";
        }
        return v.getClass().getSimpleName();
    }

    /** Jinja2's object_type_repr, used in "has no attribute" messages. */
    static String objectTypeRepr(Object v) {
        if (v == null) {
            return "None";
        }
        String module = switch (v) {
            case Markup m -> "markupsafe.";
            case Undefined u -> "jinja2.runtime.";
            case Macro m -> "jinja2.runtime.";
            case LoopContext l -> "jinja2.runtime.";
            case Namespace n -> "jinja2.utils.";
            default -> "";
        };
        return module + typeName(v) + " object";
    }

    // ---- truthiness, str, repr ---------------------------------------------------------------

    static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Undefined) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Markup m) {
            return !m.text().isEmpty();
        }
        if (isFloat(v)) {
            return ((Number) v).doubleValue() != 0.0;
        }
        if (v instanceof BigInteger bi) {
            return bi.signum() != 0;
        }
        if (isInt(v)) {
            return ((Number) v).longValue() != 0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python {@code str(v)}; Undefined prints as the empty string, as in Jinja2. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Markup m) {
            return m.text();
        }
        if (v instanceof Undefined) {
            return "";
        }
        return repr(v);
    }

    /** Python {@code repr(v)}. */
    static String repr(Object v) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, v);
        return out.toString();
    }

    static void appendRepr(StringBuilder out, Object v) {
        switch (v) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case String s -> appendStringRepr(out, s);
            case Markup m -> {
                out.append("Markup(");
                appendStringRepr(out, m.text());
                out.append(')');
            }
            case Double d -> out.append(PyFloat.repr(d));
            case Float f -> out.append(PyFloat.repr(f.doubleValue()));
            case BigDecimal bd -> out.append(PyFloat.repr(bd.doubleValue()));
            case Number n -> out.append(n);
            case PyTuple t -> {
                out.append('(');
                appendItems(out, t);
                if (t.size() == 1) {
                    out.append(',');
                }
                out.append(')');
            }
            case PyRange r -> out.append(r.repr());
            case DictView dv -> {
                out.append(dv.typeName()).append("([");
                appendItems(out, dv);
                out.append("])");
            }
            case List<?> l -> {
                out.append('[');
                appendItems(out, l);
                out.append(']');
            }
            case Map<?, ?> m -> appendMapRepr(out, m);
            case Undefined u -> out.append("Undefined");
            case Namespace ns -> {
                out.append("<Namespace ");
                appendMapRepr(out, ns.attributes());
                out.append('>');
            }
            case Macro m -> out.append("<Macro ").append(repr(m.name())).append('>');
            case LoopContext l -> out.append("<LoopContext ").append(l.index()).append('/').append(l.length()).append('>');
            case PyGenerator g -> out.append('<').append(g.typeName()).append(" object at 0x")
                    .append(Integer.toHexString(System.identityHashCode(g))).append('>');
            case BoundMethod bm -> out.append("<built-in method ").append(bm.name()).append(" of ")
                    .append(objectTypeRepr(bm.receiver())).append('>');
            default -> out.append("<function ").append(v.getClass().getSimpleName()).append('>');
        }
    }

    private static void appendItems(StringBuilder out, List<?> items) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            appendRepr(out, items.get(i));
        }
    }

    private static void appendMapRepr(StringBuilder out, Map<?, ?> m) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            appendRepr(out, e.getKey());
            out.append(": ");
            appendRepr(out, e.getValue());
        }
        out.append('}');
    }

    /** CPython's unicode_repr: prefer single quotes, escape non-printable code points. */
    static void appendStringRepr(StringBuilder out, String s) {
        char quote = (s.indexOf('\'') >= 0 && s.indexOf('"') < 0) ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').append((char) cp);
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp < ' ' || cp == 0x7f) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || PyStrings.isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        out.append(quote);
    }

    // ---- equality and ordering ------------------------------------------------------------

    /** Python {@code a == b}. */
    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return PyOps.compareNumbers(a, b) == 0;
        }
        if (isString(a) && isString(b)) {
            return text(a).equals(text(b));
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!equal(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = dictKey(e.getKey());
                if (!mb.containsKey(key) || !equal(e.getValue(), mb.get(key))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** The Java key under which a Python dict stores {@code key}: Markup hashes like its text. */
    static Object dictKey(Object key) {
        if (key instanceof Markup m) {
            return m.text();
        }
        if (key instanceof Integer || key instanceof Short || key instanceof Byte) {
            return ((Number) key).longValue();
        }
        return key;
    }

    /** Python's {@code a op b} for the ordering operators {@code < <= > >=}. */
    static boolean ordered(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (isNumber(a) && isNumber(b)) {
            if (isNaN(a) || isNaN(b)) {
                return false;
            }
            return holds(op, PyOps.compareNumbers(a, b));
        }
        return holds(op, order(op, a, b));
    }

    private static boolean isNaN(Object v) {
        return isFloat(v) && Double.isNaN(((Number) v).doubleValue());
    }

    private static boolean holds(String op, int cmp) {
        return switch (op) {
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            default -> cmp >= 0;
        };
    }

    /** Three-way comparison for sorting; raises Python's TypeError for unorderable pairs. */
    static int order(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (isNumber(a) && isNumber(b)) {
            return PyOps.compareNumbers(a, b);
        }
        if (isString(a) && isString(b)) {
            return PyStrings.compareCodePoints(text(a), text(b));
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                if (!equal(la.get(i), lb.get(i))) {
                    return order(op, la.get(i), lb.get(i));
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw TemplateException.type("'" + op + "' not supported between instances of '"
                + typeName(a) + "' and '" + typeName(b) + "'");
    }

    // ---- iteration and length --------------------------------------------------------------

    /** Python {@code iter(v)}; strings iterate by code point, dicts by key. */
    @SuppressWarnings("unchecked")
    static Iterator<Object> iterate(Object v) {
        return switch (v) {
            case Undefined u -> Collections.emptyIterator();
            case String s -> new ArrayList<Object>(PyStrings.codePoints(s)).iterator();
            case Markup m -> new ArrayList<Object>(PyStrings.codePoints(m.text())).iterator();
            case Collection<?> c -> (Iterator<Object>) c.iterator();
            case Map<?, ?> m -> (Iterator<Object>) new ArrayList<>(m.keySet()).iterator();
            case PyGenerator g -> g;
            case null, default -> throw TemplateException.type("'" + typeName(v) + "' object is not iterable");
        };
    }

    static boolean isIterable(Object v) {
        return v instanceof Undefined || isString(v) || v instanceof Collection<?> || v instanceof Map<?, ?>
                || v instanceof PyGenerator;
    }

    /** Materializes any iterable into a fresh list (Python {@code list(v)}). */
    static List<Object> toList(Object v) {
        List<Object> out = new ArrayList<>();
        iterate(v).forEachRemaining(out::add);
        return out;
    }

    /** Python {@code len(v)}; Undefined has length 0 as in Jinja2. */
    static int length(Object v) {
        return switch (v) {
            case Undefined u -> 0;
            case String s -> PyStrings.codePointLength(s);
            case Markup m -> PyStrings.codePointLength(m.text());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case null, default -> throw TemplateException.type("object of type '" + typeName(v) + "' has no len()");
        };
    }
}
