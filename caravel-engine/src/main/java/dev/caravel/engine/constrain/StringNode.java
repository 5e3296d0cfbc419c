package dev.caravel.engine.constrain;

import java.util.List;
import java.util.Set;

/**
 * A JSON string, byte by byte: well-formed UTF-8 only (a token may end inside a character, the next
 * must continue it), no raw control characters, escapes {@code \" \\ \/ \b \f \n \r \t \\uXXXX} (no lone
 * surrogates). Lengths count code points, as JSON Schema does; an escape is one. With a pattern or
 * format the content must follow its {@link Dfa} and is written without escapes.
 *
 * <p>State: {@code a} = phase | pending continuation bytes &lt;&lt; 4 | range of the next continuation byte
 * &lt;&lt; 8 | \\u digits seen &lt;&lt; 12 | first \\u digit was d &lt;&lt; 15; {@code b} = code points so far;
 * {@code v} = DFA state.
 */
final class StringNode extends Node {
    private static final int OPEN = 0;
    private static final int BODY = 1;
    private static final int ESCAPE = 2;
    private static final int HEX = 3;
    private static final int CLOSED = 4;

    // Allowed range of the first continuation byte after special lead bytes (RFC 3629's table).
    private static final int[] CONT_LO = {0x80, 0xA0, 0x80, 0x90, 0x80};
    private static final int[] CONT_HI = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};

    private final int min;
    private final int max;
    private final Dfa dfa;

    StringNode(int min, int max, Dfa dfa) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("minLength " + min + " and maxLength " + max + " leave no string");
        }
        this.min = min;
        this.max = max;
        this.dfa = dfa;
    }

    @Override
    void step(Frame f, int x, Threads out) {
        int a = f.a;
        int phase = a & 15;
        int count = f.b;
        switch (phase) {
            case OPEN -> {
                if (x == '"') {
                    out.add(new Frame(this, BODY, 0, dfa == null ? 0 : dfa.start, f.parent));
                }
            }
            case BODY -> body(f, x, out);
            case ESCAPE -> {
                if (x == 'u') {
                    out.add(new Frame(this, HEX, count, f.v, f.parent));
                } else if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't') {
                    out.add(new Frame(this, BODY, count, f.v, f.parent));
                }
            }
            case HEX -> {
                int k = (a >> 12) & 7;
                boolean firstD = ((a >> 15) & 1) != 0;
                if (!isHex(x) || (k == 1 && firstD && !(x >= '0' && x <= '7'))) {
                    return; // d800-dfff would be a lone surrogate
                }
                if (k == 3) {
                    out.add(new Frame(this, BODY, count, f.v, f.parent));
                } else {
                    int d = k == 0 && (x == 'd' || x == 'D') ? 1 << 15 : a & (1 << 15);
                    out.add(new Frame(this, HEX | ((k + 1) << 12) | d, count, f.v, f.parent));
                }
            }
            default -> {
            }
        }
    }

    private void body(Frame f, int x, Threads out) {
        int a = f.a;
        int pending = (a >> 4) & 3;
        int count = f.b;
        long state = f.v;
        if (dfa != null && x != '"') {
            int s = dfa.next(state, x);
            if (s < 0) {
                return;
            }
            state = s;
        }
        if (pending > 0) {
            int range = (a >> 8) & 7;
            if (x < CONT_LO[range] || x > CONT_HI[range]) {
                return;
            }
            out.add(new Frame(this, BODY | ((pending - 1) << 4), count, state, f.parent));
            return;
        }
        if (x == '"') {
            if (count >= min && (dfa == null || dfa.accepts((int) state))) {
                out.add(new Frame(this, CLOSED, count, state, f.parent));
            }
            return;
        }
        // A new character must fit: this one plus what the pattern still needs after it.
        if (count >= max || (dfa != null && max != INF && count + 1 + dfa.charsToAccept((int) state) > max)) {
            return;
        }
        if (x == '\\') {
            if (dfa == null) {
                out.add(new Frame(this, ESCAPE, count + 1, state, f.parent));
            }
            return;
        }
        if (x < 0x20) {
            return;
        }
        if (x < 0x80) {
            out.add(new Frame(this, BODY, count + 1, state, f.parent));
            return;
        }
        int more;
        int range = 0;
        if (x >= 0xC2 && x <= 0xDF) {
            more = 1;
        } else if (x >= 0xE0 && x <= 0xEF) {
            more = 2;
            range = x == 0xE0 ? 1 : x == 0xED ? 2 : 0;
        } else if (x >= 0xF0 && x <= 0xF4) {
            more = 3;
            range = x == 0xF0 ? 3 : x == 0xF4 ? 4 : 0;
        } else {
            return;
        }
        out.add(new Frame(this, BODY | (more << 4) | (range << 8), count + 1, state, f.parent));
    }

    private static boolean isHex(int x) {
        return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F');
    }

    /**
     * How many more characters any plain token may add in state {@code f} (an unconstrained body between
     * characters: the token keeps the string open), or -1 when that does not hold.
     */
    int freeRoom(Frame f) {
        if (dfa != null || f.a != BODY) {
            return -1;
        }
        return max == INF ? Integer.MAX_VALUE : max - f.b;
    }

    @Override
    boolean canEnd(Frame f) {
        return (f.a & 15) == CLOSED;
    }

    @Override
    int remaining(Frame f) {
        int phase = f.a & 15;
        int missing = Math.max(0, min - f.b);
        return switch (phase) {
            case OPEN -> minLen;
            case BODY -> dfa != null ? add(dfa.bytesToAccept((int) f.v), 1) : ((f.a >> 4) & 3) + missing + 1;
            case ESCAPE -> 1 + missing + 1;
            case HEX -> (4 - ((f.a >> 12) & 7)) + missing + 1;
            default -> 0;
        };
    }

    @Override
    int computeMinLen() {
        if (dfa == null) {
            return 2 + min;
        }
        if (dfa.charsToAccept(dfa.start) > max) {
            return INF;
        }
        return add(dfa.bytesToAccept(dfa.start), 2);
    }

    @Override
    List<Node> children() {
        return List.of();
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return true;
    }
}
