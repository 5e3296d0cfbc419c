package dev.caravel.template;

import java.util.HashMap;
import java.util.Map;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...), with Python's type rules. */
final class Tests {

    private Tests() {
    }

    static Map<String, TestFunction> builtins() {
        Map<String, TestFunction> t = new HashMap<>();
        t.put("defined", (ev, v, a) -> !(v instanceof Undefined));
        t.put("undefined", (ev, v, a) -> v instanceof Undefined);
        t.put("none", (ev, v, a) -> v == null);
        t.put("boolean", (ev, v, a) -> v instanceof Boolean);
        t.put("true", (ev, v, a) -> Boolean.TRUE.equals(v));
        t.put("false", (ev, v, a) -> Boolean.FALSE.equals(v));
        t.put("integer", (ev, v, a) -> PyValues.isInt(v));
        t.put("float", (ev, v, a) -> PyValues.isFloat(v));
        t.put("number", (ev, v, a) -> PyValues.isNumber(v));
        t.put("string", (ev, v, a) -> PyValues.isString(v));
        t.put("mapping", (ev, v, a) -> v instanceof Map<?, ?>);
        t.put("iterable", (ev, v, a) -> PyValues.isIterable(v));
        t.put("sequence", (ev, v, a) -> v instanceof Undefined || PyValues.isString(v)
                || (v instanceof java.util.List<?> && !(v instanceof DictView)) || v instanceof Map<?, ?>);
        t.put("callable", (ev, v, a) -> PyValues.isCallable(v) || v instanceof Undefined);
        t.put("escaped", (ev, v, a) -> v instanceof Markup);
        t.put("lower", (ev, v, a) -> PyStrings.hasOnlyCase(PyValues.str(v), true));
        t.put("upper", (ev, v, a) -> PyStrings.hasOnlyCase(PyValues.str(v), false));
        t.put("odd", (ev, v, a) -> PyValues.equal(PyOps.modulo(v, 2L), 1L));
        t.put("even", (ev, v, a) -> PyValues.equal(PyOps.modulo(v, 2L), 0L));
        t.put("divisibleby", (ev, v, a) -> PyValues.equal(PyOps.modulo(v, a.bind("divisibleby", "num")[0]), 0L));
        t.put("filter", (ev, v, a) -> PyValues.isString(v) && ev.env().filterNamed(PyValues.text(v)) != null);
        t.put("test", (ev, v, a) -> PyValues.isString(v) && ev.env().testNamed(PyValues.text(v)) != null);
        t.put("in", (ev, v, a) -> PyOps.contains(a.bind("in", "seq")[0], v));
        t.put("sameas", (ev, v, a) -> sameAs(v, a.bind("sameas", "other")[0]));
        comparison(t, "==", "==", "eq", "equalto");
        comparison(t, "!=", "!=", "ne");
        comparison(t, "<", "<", "lt", "lessthan");
        comparison(t, "<=", "<=", "le");
        comparison(t, ">", ">", "gt", "greaterthan");
        comparison(t, ">=", ">=", "ge");
        return t;
    }

    private static void comparison(Map<String, TestFunction> t, String op, String... names) {
        for (String name : names) {
            t.put(name, (ev, v, a) -> Evaluator.compareOnce(op, v, a.bind(name, "other")[0]));
        }
    }

    /** Python's {@code is}: identity, with CPython's interning of None, booleans and small ints. */
    private static boolean sameAs(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (PyValues.isInt(a) && PyValues.isInt(b)) {
            long x = ((Number) a).longValue();
            return x == ((Number) b).longValue() && x >= -5 && x <= 256;
        }
        return a instanceof Boolean && a.equals(b);
    }
}
