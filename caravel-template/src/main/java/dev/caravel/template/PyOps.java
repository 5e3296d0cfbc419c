package dev.caravel.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python operators on template values: arithmetic with int/float promotion and unbounded ints,
 * sequence concatenation and repetition, Markup-aware {@code +}, indexing and slicing, and
 * {@code in}. Error texts are CPython's so that failing templates report what Python reports.
 */
final class PyOps {

    /** Result of a subscript that Python would answer with TypeError or LookupError. */
    static final Object MISSING = new Object();

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PyOps() {
    }

    /** Slice bounds as evaluated from {@code [start:stop:step]}; any of them may be null. */
    record Slice(Object start, Object stop, Object step) {
    }

    // ---- numbers ----------------------------------------------------------------------------

    private static boolean isIntegral(Object v) {
        return PyValues.isInt(v) || v instanceof Boolean;
    }

    static BigInteger big(Object v) {
        if (v instanceof BigInteger b) {
            return b;
        }
        if (v instanceof Boolean b) {
            return b ? BigInteger.ONE : BigInteger.ZERO;
        }
        return BigInteger.valueOf(((Number) v).longValue());
    }

    static long asLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }

    static double asDouble(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).doubleValue();
    }

    /** Narrows an exact integer result to Long where it fits, as Python ints have no size. */
    static Object normalize(BigInteger b) {
        return b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0 ? (Object) b.longValue() : b;
    }

    private static boolean fitsLong(Object v) {
        return !(v instanceof BigInteger);
    }

    static int compareNumbers(Object a, Object b) {
        if (isIntegral(a) && isIntegral(b)) {
            if (fitsLong(a) && fitsLong(b)) {
                return Long.compare(asLong(a), asLong(b));
            }
            return big(a).compareTo(big(b));
        }
        double x = asDouble(a);
        double y = asDouble(b);
        if (Double.isInfinite(x) || Double.isInfinite(y) || (!isIntegral(a) && !isIntegral(b))) {
            return x < y ? -1 : x > y ? 1 : 0;
        }
        BigDecimal bx = isIntegral(a) ? new BigDecimal(big(a)) : new BigDecimal(x);
        BigDecimal by = isIntegral(b) ? new BigDecimal(big(b)) : new BigDecimal(y);
        return bx.compareTo(by);
    }

    private static void failIfUndefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
    }

    private static TemplateException unsupported(String op, Object a, Object b) {
        return TemplateException.type("unsupported operand type(s) for " + op + ": '"
                + PyValues.typeName(a) + "' and '" + PyValues.typeName(b) + "'");
    }

    static Object add(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                if (fitsLong(a) && fitsLong(b)) {
                    long x = asLong(a);
                    long y = asLong(b);
                    long r = x + y;
                    if (((x ^ r) & (y ^ r)) >= 0) {
                        return r;
                    }
                }
                return normalize(big(a).add(big(b)));
            }
            return asDouble(a) + asDouble(b);
        }
        if (b instanceof Markup mb && PyValues.isString(a)) {
            return new Markup(Markup.escape(a).text() + mb.text());
        }
        if (a instanceof Markup ma) {
            if (b instanceof String sb) {
                return new Markup(ma.text() + Markup.escapeHtml(sb));
            }
            throw unsupported("+", a, b);
        }
        if (a instanceof String sa) {
            if (b instanceof String sb) {
                return sa + sb;
            }
            throw TemplateException.type("can only concatenate str (not \"" + PyValues.typeName(b) + "\") to str");
        }
        if (a instanceof PyTuple ta) {
            if (b instanceof PyTuple tb) {
                List<Object> all = new ArrayList<>(ta);
                all.addAll(tb);
                return PyTuple.of(all);
            }
            throw TemplateException.type("can only concatenate tuple (not \"" + PyValues.typeName(b) + "\") to tuple");
        }
        if (a instanceof List<?> la && !(a instanceof PyRange) && !(a instanceof DictView)) {
            if (b instanceof List<?> lb && !(b instanceof PyTuple) && !(b instanceof PyRange) && !(b instanceof DictView)) {
                List<Object> all = new ArrayList<>(la);
                all.addAll(lb);
                return all;
            }
            throw TemplateException.type("can only concatenate list (not \"" + PyValues.typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    static Object subtract(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return normalize(big(a).subtract(big(b)));
            }
            return asDouble(a) - asDouble(b);
        }
        throw unsupported("-", a, b);
    }

    static Object multiply(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return normalize(big(a).multiply(big(b)));
            }
            return asDouble(a) * asDouble(b);
        }
        if (isIntegral(b) && isRepeatable(a)) {
            return repeat(a, asLong(b));
        }
        if (isIntegral(a) && isRepeatable(b)) {
            return repeat(b, asLong(a));
        }
        if (isRepeatable(a) || isRepeatable(b)) {
            Object other = isRepeatable(a) ? b : a;
            throw TemplateException.type("can't multiply sequence by non-int of type '" + PyValues.typeName(other) + "'");
        }
        throw unsupported("*", a, b);
    }

    private static boolean isRepeatable(Object v) {
        return PyValues.isString(v) || (v instanceof List<?> && !(v instanceof PyRange) && !(v instanceof DictView));
    }

    private static Object repeat(Object seq, long times) {
        int n = (int) Math.max(0, Math.min(times, Integer.MAX_VALUE));
        if (seq instanceof String s) {
            return s.repeat(n);
        }
        if (seq instanceof Markup m) {
            return new Markup(m.text().repeat(n));
        }
        List<?> items = (List<?>) seq;
        List<Object> out = new ArrayList<>(items.size() * n);
        for (int i = 0; i < n; i++) {
            out.addAll(items);
        }
        return seq instanceof PyTuple ? PyTuple.of(out) : out;
    }

    static Object trueDivide(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            double y = asDouble(b);
            if (y == 0) {
                throw zeroDivision(isIntegral(a) && isIntegral(b) ? "division by zero" : "float division by zero");
            }
            if (isIntegral(a) && isIntegral(b) && (!fitsLong(a) || !fitsLong(b))) {
                return new BigDecimal(big(a)).divide(new BigDecimal(big(b)), java.math.MathContext.DECIMAL64).doubleValue();
            }
            return asDouble(a) / y;
        }
        throw unsupported("/", a, b);
    }

    static Object floorDivide(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                BigInteger y = big(b);
                if (y.signum() == 0) {
                    throw zeroDivision("integer division or modulo by zero");
                }
                BigInteger[] qr = big(a).divideAndRemainder(y);
                BigInteger q = qr[0];
                if (qr[1].signum() != 0 && (qr[1].signum() != y.signum())) {
                    q = q.subtract(BigInteger.ONE);
                }
                return normalize(q);
            }
            double y = asDouble(b);
            if (y == 0) {
                throw zeroDivision("float floor division by zero");
            }
            return Math.floor(asDouble(a) / y);
        }
        throw unsupported("//", a, b);
    }

    static Object modulo(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isString(a)) {
            return PyFormat.percent(a, b);
        }
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                BigInteger y = big(b);
                if (y.signum() == 0) {
                    throw zeroDivision("integer modulo by zero");
                }
                BigInteger r = big(a).mod(y.abs());
                if (y.signum() < 0 && r.signum() != 0) {
                    r = r.add(y);
                }
                return normalize(r);
            }
            double x = asDouble(a);
            double y = asDouble(b);
            if (y == 0) {
                throw zeroDivision("float modulo");
            }
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) {
                r += y;
            }
            return r;
        }
        throw unsupported("%", a, b);
    }

    static Object power(Object a, Object b) {
        failIfUndefined(a, b);
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            if (isIntegral(a) && isIntegral(b) && big(b).signum() >= 0) {
                BigInteger exponent = big(b);
                if (exponent.bitLength() > 20) {
                    throw new TemplateException(TemplateException.Kind.OVERFLOW, "exponent too large");
                }
                return normalize(big(a).pow(exponent.intValue()));
            }
            double x = asDouble(a);
            double y = asDouble(b);
            if (x == 0 && y < 0) {
                throw zeroDivision("0.0 cannot be raised to a negative power");
            }
            return Math.pow(x, y);
        }
        throw TemplateException.type("unsupported operand type(s) for ** or pow(): '"
                + PyValues.typeName(a) + "' and '" + PyValues.typeName(b) + "'");
    }

    static Object negate(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (isIntegral(v)) {
            return normalize(big(v).negate());
        }
        if (PyValues.isFloat(v)) {
            return -asDouble(v);
        }
        throw TemplateException.type("bad operand type for unary -: '" + PyValues.typeName(v) + "'");
    }

    static Object plus(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (PyValues.isNumber(v)) {
            return v;
        }
        throw TemplateException.type("bad operand type for unary +: '" + PyValues.typeName(v) + "'");
    }

    static Object abs(Object v) {
        if (isIntegral(v)) {
            return normalize(big(v).abs());
        }
        if (PyValues.isFloat(v)) {
            return Math.abs(asDouble(v));
        }
        throw TemplateException.type("bad operand type for abs(): '" + PyValues.typeName(v) + "'");
    }

    private static TemplateException zeroDivision(String message) {
        return new TemplateException(TemplateException.Kind.ZERO_DIVISION, message);
    }

    // ---- subscripts -------------------------------------------------------------------------

    /** Python {@code obj[key]}, or {@link #MISSING} where Python raises TypeError/LookupError. */
    static Object subscript(Object obj, Object key) {
        if (obj instanceof Map<?, ?> map) {
            return dictGet(map, key, MISSING);
        }
        if (key instanceof Slice slice) {
            return slice(obj, slice);
        }
        if (!isIntegral(key) || !(obj instanceof List<?> || PyValues.isString(obj))
                || obj instanceof DictView) {
            return MISSING;
        }
        long index = asLong(key);
        if (obj instanceof List<?> list) {
            if (index < 0) {
                index += list.size();
            }
            return index >= 0 && index < list.size() ? list.get((int) index) : MISSING;
        }
        String s = PyValues.text(obj);
        int length = PyStrings.codePointLength(s);
        if (index < 0) {
            index += length;
        }
        if (index < 0 || index >= length) {
            return MISSING;
        }
        int at = s.offsetByCodePoints(0, (int) index);
        String ch = s.substring(at, at + Character.charCount(s.codePointAt(at)));
        return obj instanceof Markup ? new Markup(ch) : ch;
    }

    /**
     * Stores into a dict the way Python does: a key equal to an existing one (1, 1.0 and True are
     * the same key) replaces the value but keeps the original key object.
     */
    @SuppressWarnings("unchecked")
    static void dictPut(Map<?, ?> map, Object key, Object value) {
        Object k = PyValues.dictKey(key);
        Map<Object, Object> m = (Map<Object, Object>) map;
        if (!m.containsKey(k) && PyValues.isNumber(k)) {
            for (Object existing : m.keySet()) {
                if (PyValues.isNumber(existing) && PyValues.equal(existing, k)) {
                    k = existing;
                    break;
                }
            }
        }
        m.put(k, value);
    }

    /** Dict lookup with Python's numeric key equivalence (1 == 1.0 == True). */
    static Object dictGet(Map<?, ?> map, Object key, Object fallback) {
        Object k = PyValues.dictKey(key);
        if (map.containsKey(k)) {
            return map.get(k);
        }
        if (k instanceof Boolean b) {
            Long asInt = b ? 1L : 0L;
            if (map.containsKey(asInt)) {
                return map.get(asInt);
            }
        } else if (k instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            Long asInt = d.longValue();
            if (map.containsKey(asInt)) {
                return map.get(asInt);
            }
        }
        return fallback;
    }

    private static Object slice(Object obj, Slice slice) {
        if (!(obj instanceof List<?> || PyValues.isString(obj)) || obj instanceof DictView) {
            return MISSING;
        }
        Long step = sliceBound(slice.step());
        Long start = sliceBound(slice.start());
        Long stop = sliceBound(slice.stop());
        if (step == MISSING_BOUND || start == MISSING_BOUND || stop == MISSING_BOUND) {
            return MISSING;
        }
        if (PyValues.isString(obj)) {
            String s = PyValues.text(obj);
            List<String> cps = PyStrings.codePoints(s);
            StringBuilder out = new StringBuilder();
            for (int i : sliceIndices(start, stop, step, cps.size())) {
                out.append(cps.get(i));
            }
            return obj instanceof Markup ? new Markup(out.toString()) : out.toString();
        }
        List<?> list = (List<?>) obj;
        List<Object> out = new ArrayList<>();
        for (int i : sliceIndices(start, stop, step, list.size())) {
            out.add(list.get(i));
        }
        return obj instanceof PyTuple ? PyTuple.of(out) : out;
    }

    private static final Long MISSING_BOUND = Long.MIN_VALUE;

    private static Long sliceBound(Object v) {
        if (v == null) {
            return null;
        }
        if (isIntegral(v)) {
            return asLong(v);
        }
        return MISSING_BOUND;
    }

    /** The positions a Python slice selects, following PySlice_AdjustIndices. */
    static int[] sliceIndices(Long startArg, Long stopArg, Long stepArg, int length) {
        long step = stepArg == null ? 1 : stepArg;
        if (step == 0) {
            throw TemplateException.value("slice step cannot be zero");
        }
        long start;
        long stop;
        if (startArg == null) {
            start = step > 0 ? 0 : length - 1;
        } else {
            start = adjust(startArg, length, step);
        }
        if (stopArg == null) {
            stop = step > 0 ? length : -1;
        } else {
            stop = adjust(stopArg, length, step);
        }
        List<Integer> picked = new ArrayList<>();
        if (step > 0) {
            for (long i = start; i < stop; i += step) {
                picked.add((int) i);
            }
        } else {
            for (long i = start; i > stop; i += step) {
                picked.add((int) i);
            }
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long adjust(long bound, int length, long step) {
        if (bound < 0) {
            bound += length;
            if (bound < 0) {
                bound = step < 0 ? -1 : 0;
            }
        } else if (bound >= length) {
            bound = step < 0 ? length - 1 : length;
        }
        return bound;
    }

    // ---- membership -------------------------------------------------------------------------

    /** Python {@code item in container}. */
    static boolean contains(Object container, Object item) {
        switch (container) {
            case Undefined u -> {
                return false;
            }
            case String s -> {
                return s.contains(requireStringOperand(item));
            }
            case Markup m -> {
                return m.text().contains(requireStringOperand(item));
            }
            case Map<?, ?> map -> {
                return dictGet(map, item, MISSING) != MISSING;
            }
            case Collection<?> c -> {
                for (Object o : c) {
                    if (PyValues.equal(o, item)) {
                        return true;
                    }
                }
                return false;
            }
            case PyGenerator g -> {
                Iterator<Object> it = g;
                while (it.hasNext()) {
                    if (PyValues.equal(it.next(), item)) {
                        return true;
                    }
                }
                return false;
            }
            case null, default -> throw TemplateException.type("argument of type '"
                    + PyValues.typeName(container) + "' is not iterable");
        }
    }

    private static String requireStringOperand(Object item) {
        if (!PyValues.isString(item)) {
            throw TemplateException.type("'in <string>' requires string as left operand, not "
                    + PyValues.typeName(item));
        }
        return PyValues.text(item);
    }
}
