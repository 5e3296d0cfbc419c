package dev.caravel.template;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's two string-formatting languages: printf-style {@code "%s" % args} (also behind the
 * {@code |format} filter) and {@code str.format}. Numeric output goes through {@link NumberFormat}
 * so rounding matches CPython (exact binary value, round-half-even).
 */
final class PyFormat {

    private PyFormat() {
    }

    // ---- printf-style -------------------------------------------------------------------------

    /** {@code format % args}; Markup formats escape their arguments and stay Markup. */
    static Object percent(Object format, Object args) {
        boolean markup = format instanceof Markup;
        String f = PyValues.text(format);
        List<Object> values;
        Map<?, ?> mapping = null;
        if (args instanceof PyTuple t) {
            values = t;
        } else {
            if (args instanceof Map<?, ?> m) {
                mapping = m;
            }
            values = java.util.Collections.singletonList(args);
        }
        StringBuilder out = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < f.length()) {
            char c = f.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= f.length()) {
                throw TemplateException.value("incomplete format");
            }
            Object value;
            String key = null;
            if (f.charAt(i) == '(') {
                int close = f.indexOf(')', i);
                if (close < 0) {
                    throw TemplateException.value("incomplete format key");
                }
                key = f.substring(i + 1, close);
                i = close + 1;
            }
            Spec spec = new Spec();
            while (i < f.length() && "-+ #0".indexOf(f.charAt(i)) >= 0) {
                spec.flag(f.charAt(i++));
            }
            if (i < f.length() && f.charAt(i) == '*') {
                spec.width = (int) PyOps.asLong(values.get(next++));
                i++;
            } else {
                int start = i;
                while (i < f.length() && Character.isDigit(f.charAt(i))) {
                    i++;
                }
                spec.width = start == i ? -1 : Integer.parseInt(f.substring(start, i));
            }
            if (i < f.length() && f.charAt(i) == '.') {
                i++;
                if (i < f.length() && f.charAt(i) == '*') {
                    spec.precision = (int) PyOps.asLong(values.get(next++));
                    i++;
                } else {
                    int start = i;
                    while (i < f.length() && Character.isDigit(f.charAt(i))) {
                        i++;
                    }
                    spec.precision = start == i ? 0 : Integer.parseInt(f.substring(start, i));
                }
            }
            while (i < f.length() && "hlL".indexOf(f.charAt(i)) >= 0) {
                i++;
            }
            if (i >= f.length()) {
                throw TemplateException.value("incomplete format");
            }
            char conversion = f.charAt(i++);
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (key != null) {
                if (mapping == null) {
                    throw TemplateException.type("format requires a mapping");
                }
                value = PyOps.dictGet(mapping, key, PyOps.MISSING);
                if (value == PyOps.MISSING) {
                    throw new TemplateException(TemplateException.Kind.KEY, PyValues.repr(key));
                }
            } else {
                if (next >= values.size()) {
                    throw TemplateException.type("not enough arguments for format string");
                }
                value = values.get(next++);
            }
            if (markup && !(value instanceof Markup) && "sra".indexOf(conversion) >= 0) {
                value = Markup.escape(conversion == 's' ? PyValues.str(value) : PyValues.repr(value));
                conversion = 's';
            }
            out.append(spec.pad(convert(conversion, value, spec), isNumericConversion(conversion)));
        }
        if (mapping == null && next < values.size()) {
            throw TemplateException.type("not all arguments converted during string formatting");
        }
        return markup ? new Markup(out.toString()) : out.toString();
    }

    private static boolean isNumericConversion(char c) {
        return "diuoxXeEfFgG".indexOf(c) >= 0;
    }

    /** The printf flags, width and precision of one conversion. */
    private static final class Spec {
        boolean left;
        boolean plus;
        boolean space;
        boolean alternate;
        boolean zero;
        int width = -1;
        int precision = -1;

        void flag(char c) {
            switch (c) {
                case '-' -> left = true;
                case '+' -> plus = true;
                case ' ' -> space = true;
                case '#' -> alternate = true;
                default -> zero = true;
            }
        }

        String pad(String body, boolean numeric) {
            if (numeric && !body.startsWith("-")) {
                body = (plus ? "+" : space ? " " : "") + body;
            }
            int len = PyStrings.codePointLength(body);
            if (width <= len) {
                return body;
            }
            int fill = width - len;
            if (left) {
                return body + " ".repeat(fill);
            }
            if (zero && numeric) {
                int signLen = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ") ? 1 : 0;
                return body.substring(0, signLen) + "0".repeat(fill) + body.substring(signLen);
            }
            return " ".repeat(fill) + body;
        }
    }

    private static String convert(char conversion, Object value, Spec spec) {
        switch (conversion) {
            case 's', 'r', 'a' -> {
                String s = conversion == 's' ? PyValues.str(value) : PyValues.repr(value);
                if (spec.precision >= 0 && spec.precision < PyStrings.codePointLength(s)) {
                    s = s.substring(0, PyStrings.toCharIndex(s, spec.precision));
                }
                return s;
            }
            case 'd', 'i', 'u' -> {
                if (PyValues.isFloat(value)) {
                    return new BigDecimal(((Number) value).doubleValue()).toBigInteger().toString();
                }
                requireNumber(value, "%" + conversion + " format: a real number is required, not ");
                return PyOps.big(value).toString();
            }
            case 'x', 'X', 'o' -> {
                if (!PyValues.isInt(value) && !(value instanceof Boolean)) {
                    throw TemplateException.type("%" + conversion + " format: an integer is required, not "
                            + PyValues.typeName(value));
                }
                var big = PyOps.big(value);
                String digits = big.abs().toString(conversion == 'o' ? 8 : 16);
                if (conversion == 'X') {
                    digits = digits.toUpperCase();
                }
                if (spec.alternate) {
                    digits = (conversion == 'o' ? "0o" : conversion == 'x' ? "0x" : "0X") + digits;
                }
                return (big.signum() < 0 ? "-" : "") + digits;
            }
            case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                requireNumber(value, "must be real number, not ");
                double d = PyOps.asDouble(value);
                return NumberFormat.fixedOrScientific(d, conversion, spec.precision < 0 ? 6 : spec.precision, spec.alternate);
            }
            case 'c' -> {
                if (PyValues.isString(value) && PyStrings.codePointLength(PyValues.text(value)) == 1) {
                    return PyValues.text(value);
                }
                return new String(Character.toChars((int) PyOps.asLong(value)));
            }
            default -> throw TemplateException.value("unsupported format character " + PyValues.repr(String.valueOf(conversion)));
        }
    }

    private static void requireNumber(Object value, String message) {
        if (!PyValues.isNumber(value)) {
            throw TemplateException.type(message + PyValues.typeName(value));
        }
    }

    // ---- str.format -----------------------------------------------------------------------

    /** Python {@code template.format(*args, **kwargs)}. */
    static String format(String template, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int[] auto = {0};
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c == '{') {
                if (i + 1 < n && template.charAt(i + 1) == '{') {
                    out.append('{');
                    i += 2;
                    continue;
                }
                int end = matchingBrace(template, i);
                out.append(field(template.substring(i + 1, end), args, kwargs, auto));
                i = end + 1;
            } else if (c == '}') {
                if (i + 1 < n && template.charAt(i + 1) == '}') {
                    out.append('}');
                    i += 2;
                    continue;
                }
                throw TemplateException.value("Single '}' encountered in format string");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int matchingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '{') {
                depth++;
            } else if (s.charAt(i) == '}' && --depth == 0) {
                return i;
            }
        }
        throw TemplateException.value("expected '}' before end of string");
    }

    private static String field(String field, List<Object> args, Map<String, Object> kwargs, int[] auto) {
        String spec = "";
        int colon = field.indexOf(':');
        if (colon >= 0) {
            spec = field.substring(colon + 1);
            field = field.substring(0, colon);
        }
        char conversion = 0;
        int bang = field.indexOf('!');
        if (bang >= 0) {
            conversion = bang + 1 < field.length() ? field.charAt(bang + 1) : 0;
            field = field.substring(0, bang);
        }
        Object value = resolve(field, args, kwargs, auto);
        if (conversion == 'r' || conversion == 'a') {
            value = PyValues.repr(value);
        } else if (conversion == 's') {
            value = PyValues.str(value);
        } else if (conversion != 0) {
            throw TemplateException.value("Unknown conversion specifier " + conversion);
        }
        if (spec.contains("{")) {
            spec = format(spec, args, kwargs);
        }
        return NumberFormat.formatSpec(value, spec);
    }

    private static Object resolve(String field, List<Object> args, Map<String, Object> kwargs, int[] auto) {
        int cut = 0;
        while (cut < field.length() && field.charAt(cut) != '.' && field.charAt(cut) != '[') {
            cut++;
        }
        String head = field.substring(0, cut);
        Object value;
        if (head.isEmpty()) {
            if (auto[0] < 0) {
                throw TemplateException.value("cannot switch from manual field specification to automatic field numbering");
            }
            value = positional(args, auto[0]++);
        } else if (head.chars().allMatch(Character::isDigit)) {
            if (auto[0] > 0) {
                throw TemplateException.value("cannot switch from automatic field numbering to manual field specification");
            }
            auto[0] = -1;
            value = positional(args, Integer.parseInt(head));
        } else {
            if (!kwargs.containsKey(head)) {
                throw new TemplateException(TemplateException.Kind.KEY, PyValues.repr(head));
            }
            value = kwargs.get(head);
        }
        String rest = field.substring(cut);
        while (!rest.isEmpty()) {
            if (rest.charAt(0) == '.') {
                int end = 1;
                while (end < rest.length() && rest.charAt(end) != '.' && rest.charAt(end) != '[') {
                    end++;
                }
                String name = rest.substring(1, end);
                value = value instanceof Map<?, ?> m ? PyOps.dictGet(m, name, null) : null;
                rest = rest.substring(end);
            } else {
                int close = rest.indexOf(']');
                String key = rest.substring(1, close);
                Object k = key.chars().allMatch(Character::isDigit) && !key.isEmpty() ? (Object) Long.parseLong(key) : key;
                value = PyOps.subscript(value, k);
                if (value == PyOps.MISSING) {
                    throw new TemplateException(TemplateException.Kind.VALUE, PyValues.repr(k));
                }
                rest = rest.substring(close + 1);
            }
        }
        return value;
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            // Jinja2's sandboxed formatter reports this as a plain tuple IndexError.
            throw new TemplateException(TemplateException.Kind.INDEX, "tuple index out of range");
        }
        return args.get(index);
    }
}
