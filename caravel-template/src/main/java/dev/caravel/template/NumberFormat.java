package dev.caravel.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Number rendering for Python's formatting languages: {@code %f/%e/%g} and the
 * {@code format()} spec mini-language ({@code [[fill]align][sign][#][0][width][,][.precision][type]}).
 * Rounding works on the exact binary value with half-even ties, which is what CPython does and
 * why {@code '%.2f' % 2.675} is {@code 2.67}.
 */
final class NumberFormat {

    private NumberFormat() {
    }

    /** printf-style e/E/f/F/g/G of {@code d}. */
    static String fixedOrScientific(double d, char type, int precision, boolean alternate) {
        boolean upper = Character.isUpperCase(type);
        String body;
        if (Double.isNaN(d)) {
            body = "nan";
        } else if (Double.isInfinite(d)) {
            body = "inf";
        } else {
            double abs = Math.abs(d);
            body = switch (Character.toLowerCase(type)) {
                case 'f' -> fixed(abs, precision, alternate);
                case 'e' -> scientific(abs, precision, alternate);
                default -> general(abs, precision, alternate, false);
            };
        }
        if (upper) {
            body = body.toUpperCase();
        }
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        return negative && !Double.isNaN(d) ? "-" + body : body;
    }

    private static String fixed(double abs, int precision, boolean alternate) {
        String s = new BigDecimal(abs).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
        return alternate && precision == 0 ? s + "." : s;
    }

    private static String scientific(double abs, int precision, boolean alternate) {
        String digits;
        int exponent;
        if (abs == 0) {
            digits = "0".repeat(precision + 1);
            exponent = 0;
        } else {
            BigDecimal r = new BigDecimal(abs).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = r.unscaledValue().toString();
            exponent = digits.length() - 1 - r.scale();
            if (digits.length() < precision + 1) {
                digits = digits + "0".repeat(precision + 1 - digits.length());
            } else if (digits.length() > precision + 1) {
                digits = digits.substring(0, precision + 1);
            }
        }
        StringBuilder out = new StringBuilder().append(digits.charAt(0));
        if (precision > 0) {
            out.append('.').append(digits, 1, digits.length());
        } else if (alternate) {
            out.append('.');
        }
        out.append('e').append(exponent < 0 ? '-' : '+');
        int absExp = Math.abs(exponent);
        if (absExp < 10) {
            out.append('0');
        }
        return out.append(absExp).toString();
    }

    /** 'g': fixed or scientific depending on the exponent; trailing zeros removed unless '#'. */
    private static String general(double abs, int precision, boolean alternate, boolean keepOneDecimal) {
        int p = precision == 0 ? 1 : precision;
        int exponent = 0;
        if (abs != 0) {
            BigDecimal r = new BigDecimal(abs).round(new MathContext(p, RoundingMode.HALF_EVEN));
            exponent = r.precision() - 1 - r.scale();
        }
        String s;
        if (exponent >= -4 && exponent < p) {
            s = fixed(abs, p - 1 - exponent, alternate);
        } else {
            s = scientific(abs, p - 1, alternate);
        }
        if (!alternate) {
            s = stripZeros(s);
        }
        if (keepOneDecimal && !s.contains(".") && !s.contains("e") && !s.contains("n")) {
            s = s + ".0";
        }
        return s;
    }

    private static String stripZeros(String s) {
        int e = s.indexOf('e');
        String mantissa = e >= 0 ? s.substring(0, e) : s;
        String tail = e >= 0 ? s.substring(e) : "";
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        return mantissa + tail;
    }

    // ---- format() spec mini-language --------------------------------------------------------

    /** Python {@code format(value, spec)}. */
    static String formatSpec(Object value, String spec) {
        if (spec.isEmpty()) {
            return PyValues.str(value);
        }
        char fill = ' ';
        char align = 0;
        int i = 0;
        if (spec.length() >= 2 && "<>=^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>=^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        char sign = '-';
        if (i < spec.length() && "+- ".indexOf(spec.charAt(i)) >= 0) {
            sign = spec.charAt(i++);
        }
        if (i < spec.length() && spec.charAt(i) == 'z') {
            i++;
        }
        boolean alternate = false;
        if (i < spec.length() && spec.charAt(i) == '#') {
            alternate = true;
            i++;
        }
        if (i < spec.length() && spec.charAt(i) == '0') {
            if (align == 0) {
                fill = '0';
                align = '=';
            }
            i++;
        }
        int start = i;
        while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
            i++;
        }
        int width = start == i ? 0 : Integer.parseInt(spec.substring(start, i));
        char grouping = 0;
        if (i < spec.length() && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) {
            grouping = spec.charAt(i++);
        }
        int precision = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            start = ++i;
            while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
                i++;
            }
            precision = Integer.parseInt(spec.substring(start, i));
        }
        char type = i < spec.length() ? spec.charAt(i++) : 0;
        if (i < spec.length()) {
            throw TemplateException.value("Invalid format specifier");
        }

        if (PyValues.isString(value)) {
            if (type != 0 && type != 's') {
                throw TemplateException.value("Unknown format code '" + type + "' for object of type 'str'");
            }
            if (align == '=') {
                throw TemplateException.value("'=' alignment not allowed in string format specifier");
            }
            String s = PyValues.text(value);
            if (precision >= 0 && precision < PyStrings.codePointLength(s)) {
                s = s.substring(0, PyStrings.toCharIndex(s, precision));
            }
            return pad("", s, fill, align == 0 ? '<' : align, width);
        }
        if (!PyValues.isNumber(value)) {
            throw TemplateException.type("unsupported format string passed to " + PyValues.typeName(value) + ".__format__");
        }
        String body;
        boolean negative;
        String prefix = "";
        boolean integral = !PyValues.isFloat(value);
        if (integral && (type == 0 || "bcdoxXn".indexOf(type) >= 0)) {
            if (precision >= 0) {
                throw TemplateException.value("Precision not allowed in integer format specifier");
            }
            BigInteger big = PyOps.big(value);
            negative = big.signum() < 0;
            if (type == 'c') {
                return pad("", new String(Character.toChars(big.intValue())), fill, align == 0 ? '>' : align, width);
            }
            int radix = switch (type) {
                case 'b' -> 2;
                case 'o' -> 8;
                case 'x', 'X' -> 16;
                default -> 10;
            };
            body = big.abs().toString(radix);
            if (type == 'X') {
                body = body.toUpperCase();
            }
            if (alternate && radix != 10) {
                prefix = radix == 2 ? "0b" : radix == 8 ? "0o" : type == 'X' ? "0X" : "0x";
            }
            if (grouping != 0) {
                body = group(body, grouping, radix == 10 ? 3 : 4);
            }
        } else {
            if ("eEfFgGn%".indexOf(type) < 0 && type != 0) {
                throw TemplateException.value("Unknown format code '" + type + "' for object of type '"
                        + PyValues.typeName(value) + "'");
            }
            double d = PyOps.asDouble(value);
            negative = d < 0 || (d == 0 && 1 / d < 0);
            double abs = Math.abs(d);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                body = Double.isNaN(d) ? "nan" : "inf";
                if (Character.isUpperCase(type)) {
                    body = body.toUpperCase();
                }
            } else if (type == 0 && precision < 0) {
                body = PyFloat.repr(abs);
            } else {
                int p = precision < 0 ? 6 : precision;
                body = switch (type) {
                    case 'e', 'E' -> scientific(abs, p, alternate);
                    case 'f', 'F' -> fixed(abs, p, alternate);
                    case '%' -> fixed(abs * 100, p, alternate) + "%";
                    case 0 -> general(abs, p, alternate, true);
                    default -> general(abs, p, alternate, false);
                };
                if (Character.isUpperCase(type)) {
                    body = body.toUpperCase();
                }
            }
            if (grouping != 0) {
                int dot = body.indexOf('.');
                int end = dot >= 0 ? dot : body.length();
                body = group(body.substring(0, end), grouping, 3) + body.substring(end);
            }
        }
        String signText = negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
        if ((align == 0 ? '>' : align) == '=') {
            int padding = width - signText.length() - prefix.length() - body.length();
            return signText + prefix + String.valueOf(fill).repeat(Math.max(0, padding)) + body;
        }
        return pad(signText + prefix, body, fill, align == 0 ? '>' : align, width);
    }

    private static String group(String digits, char separator, int every) {
        StringBuilder out = new StringBuilder();
        int n = digits.length();
        for (int i = 0; i < n; i++) {
            if (i > 0 && (n - i) % every == 0) {
                out.append(separator);
            }
            out.append(digits.charAt(i));
        }
        return out.toString();
    }

    private static String pad(String head, String body, char fill, char align, int width) {
        String text = head + body;
        int padding = width - PyStrings.codePointLength(text);
        if (padding <= 0) {
            return text;
        }
        String f = String.valueOf(fill);
        return switch (align) {
            case '<' -> text + f.repeat(padding);
            case '^' -> f.repeat(padding / 2) + text + f.repeat(padding - padding / 2);
            default -> f.repeat(padding) + text;
        };
    }
}
