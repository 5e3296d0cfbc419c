package dev.caravel.template;

import java.math.BigDecimal;

/**
 * Python's {@code repr(float)}: the shortest digits that round-trip (JDK 19+ {@code Double.toString}
 * computes the same digits), laid out by Python's rules: positional notation for decimal exponents
 * in [-4, 16), scientific otherwise, and always a ".0" on whole numbers.
 */
final class PyFloat {

    private PyFloat() {
    }

    /**
     * The shortest decimal that reads back as {@code abs}. Double.toString always keeps two
     * significant digits, which for subnormals can be longer than needed (4.9E-324 where Python
     * prints 5e-324), so there the shorter candidates are tried too.
     */
    private static BigDecimal shortestDigits(double abs) {
        BigDecimal javaDigits = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
        if (abs >= Double.MIN_NORMAL) {
            return javaDigits;
        }
        BigDecimal exact = new BigDecimal(abs);
        for (int digits = 1; digits < javaDigits.precision(); digits++) {
            BigDecimal candidate = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == abs) {
                return candidate.stripTrailingZeros();
            }
        }
        return javaDigits;
    }

    static String repr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortestDigits(Math.abs(d));
        String digits = shortest.unscaledValue().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        StringBuilder out = new StringBuilder(24);
        if (d < 0) {
            out.append('-');
        }
        if (exponent >= -4 && exponent < 16) {
            if (exponent >= 0) {
                int intLen = exponent + 1;
                if (digits.length() <= intLen) {
                    out.append(digits).append("0".repeat(intLen - digits.length())).append(".0");
                } else {
                    out.append(digits, 0, intLen).append('.').append(digits, intLen, digits.length());
                }
            } else {
                out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        }
        return out.toString();
    }
}
