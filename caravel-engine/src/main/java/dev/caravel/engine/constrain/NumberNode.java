package dev.caravel.engine.constrain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Set;

/**
 * A JSON number or integer: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}, no exponent, no {@code -0} integer.
 * Bounds are exact: values are kept as longs scaled by 10^S (S = 0 for integers, 6 fraction digits for
 * bounded numbers), and every digit is allowed only if some completion of the prefix lands in range,
 * which {@link #cost} decides in closed form (it is also the fewest bytes still needed).
 *
 * <p>State: {@code a} = phase | negative &lt;&lt; 3; {@code b} = digits in the current part;
 * {@code v} = integer part (INT, ZERO) or scaled magnitude (DOT, FRAC).
 */
final class NumberNode extends Node {
    private static final int START = 0;
    private static final int MINUS = 1;
    private static final int ZERO = 2;
    private static final int INT = 3;
    private static final int DOT = 4;
    private static final int FRAC = 5;
    private static final int NEG = 8;
    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private final boolean integer;
    private final boolean bounded;
    private final int scale;      // fraction digits the scaled values keep (bounded only)
    private final int maxInt;     // integer-part digits
    private final int maxFrac;    // fraction digits
    private final long lo;        // scaled, inclusive
    private final long hi;

    /**
     * @param min, max bounds or null; {@code exclusive*}: the bound itself is excluded
     */
    NumberNode(boolean integer, BigDecimal min, boolean exclusiveMin, BigDecimal max, boolean exclusiveMax) {
        this.integer = integer;
        this.bounded = min != null || max != null;
        this.scale = integer ? 0 : bounded ? 6 : 0;
        this.maxInt = integer ? 18 : bounded ? 12 : 15;
        this.maxFrac = integer ? 0 : bounded ? 6 : 9;
        long limit = POW10[18] - 1;
        long l = -limit;
        long h = limit;
        if (min != null) {
            BigDecimal s = min.movePointRight(scale);
            l = clamp(exclusiveMin ? s.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE) : s.setScale(0, RoundingMode.CEILING), limit);
        }
        if (max != null) {
            BigDecimal s = max.movePointRight(scale);
            h = clamp(exclusiveMax ? s.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE) : s.setScale(0, RoundingMode.FLOOR), limit);
        }
        if (l > h) {
            throw new IllegalArgumentException("no " + (integer ? "integer" : "number") + " satisfies minimum "
                    + min + " and maximum " + max + (integer ? "" : " (with at most 6 decimals)"));
        }
        this.lo = l;
        this.hi = h;
    }

    private static long clamp(BigDecimal x, long limit) {
        if (x.compareTo(BigDecimal.valueOf(limit)) > 0) {
            return limit;
        }
        if (x.compareTo(BigDecimal.valueOf(-limit)) < 0) {
            return -limit;
        }
        return x.longValueExact();
    }

    @Override
    void step(Frame f, int x, Threads out) {
        int phase = f.a & 7;
        int neg = f.a & NEG;
        boolean digit = x >= '0' && x <= '9';
        int d = x - '0';
        int na;
        int nb;
        long nv;
        switch (phase) {
            case START -> {
                if (x == '-') {
                    na = MINUS | NEG;
                    nb = 0;
                    nv = 0;
                } else if (digit) {
                    na = d == 0 ? ZERO : INT;
                    nb = 1;
                    nv = d;
                } else {
                    return;
                }
            }
            case MINUS -> {
                if (!digit || (d == 0 && integer)) {
                    return; // "-0" is not an integer worth writing
                }
                na = (d == 0 ? ZERO : INT) | neg;
                nb = 1;
                nv = d;
            }
            case ZERO, INT -> {
                if (x == '.' && !integer) {
                    na = DOT | neg;
                    nb = 0;
                    nv = bounded ? f.v * POW10[scale] : 0;
                } else if (digit && phase == INT && f.b < maxInt) {
                    na = f.a;
                    nb = f.b + 1;
                    nv = f.v * 10 + d;
                } else {
                    return;
                }
            }
            case DOT, FRAC -> {
                if (!digit || f.b >= maxFrac) {
                    return;
                }
                na = FRAC | neg;
                nb = f.b + 1;
                nv = bounded ? f.v + d * POW10[scale - nb] : 0;
            }
            default -> {
                return;
            }
        }
        if (cost(na, nb, nv) < INF) {
            out.add(new Frame(this, na, nb, nv, f.parent));
        }
    }

    @Override
    boolean canEnd(Frame f) {
        return cost(f.a, f.b, f.v) == 0;
    }

    @Override
    int remaining(Frame f) {
        return cost(f.a, f.b, f.v);
    }

    /** The fewest bytes after which a number in range ends, from this state; {@link #INF} if none. */
    private int cost(int a, int b, long v) {
        int phase = a & 7;
        boolean neg = (a & NEG) != 0;
        if (!bounded) {
            return switch (phase) {
                case START -> 1;
                case MINUS, DOT -> 1;
                case ZERO -> neg ? 2 : 0;
                default -> 0;
            };
        }
        // Magnitude bounds: a negative number's magnitude lies in [-hi, -lo].
        long ml = neg ? -hi : lo;
        long mh = neg ? -lo : hi;
        switch (phase) {
            case START -> {
                int best = add(1, cost(MINUS | NEG, 0, 0));
                for (int d = 0; d <= 9; d++) {
                    best = Math.min(best, add(1, cost(d == 0 ? ZERO : INT, 1, d)));
                }
                return best;
            }
            case MINUS -> {
                int best = INF;
                for (int d = integer ? 1 : 0; d <= 9; d++) {
                    best = Math.min(best, add(1, cost((d == 0 ? ZERO : INT) | NEG, 1, d)));
                }
                return best;
            }
            case ZERO, INT -> {
                int best = INF;
                int extra = phase == ZERO ? 0 : maxInt - b;
                for (int j = 0; j <= extra && best > j; j++) {
                    long first = v * POW10[j];
                    long last = (v + 1) * POW10[j] - 1;
                    if (!(neg && phase == ZERO) && exists(first, last, POW10[scale], ml, mh)) {
                        best = Math.min(best, j);
                    }
                    for (int k = 1; k <= maxFrac && best > j + 1 + k; k++) {
                        if (exists(first * POW10[k], (last + 1) * POW10[k] - 1, POW10[scale - k], ml, mh)) {
                            best = Math.min(best, j + 1 + k);
                        }
                    }
                }
                return best;
            }
            case DOT, FRAC -> {
                long unit = POW10[scale - b];
                if (phase == FRAC && v >= ml && v <= mh) {
                    return 0;
                }
                long p = v / unit;
                for (int k = 1; b + k <= maxFrac; k++) {
                    if (exists(p * POW10[k], (p + 1) * POW10[k] - 1, unit / POW10[k], ml, mh)) {
                        return k;
                    }
                }
                return INF;
            }
            default -> {
                return INF;
            }
        }
    }

    /** Whether some n in [first, last] has n * unit in [ml, mh]. */
    private static boolean exists(long first, long last, long unit, long ml, long mh) {
        long from = Math.max(first, Math.ceilDiv(ml, unit));
        long to = Math.min(last, Math.floorDiv(mh, unit));
        return from <= to;
    }

    @Override
    int computeMinLen() {
        return cost(START, 0, 0);
    }

    @Override
    List<Node> children() {
        return List.of();
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return false;
    }
}
