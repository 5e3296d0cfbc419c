package dev.caravel.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A practical subset of ECMA-262 regular expressions (JSON Schema's {@code pattern}) compiled to a
 * {@link Dfa} over UTF-8 bytes: literals, {@code .}, classes {@code [a-z_]} / {@code [^...]} with
 * {@code \d \w \s} (and their negations), groups, {@code |}, {@code * + ?} and {@code {n,m}} (lazy forms
 * too: same language), {@code ^}/{@code $} only at the ends; unanchored patterns may have any text around
 * them, as JSON Schema's search semantics say. Unsupported: backreferences, lookaround, non-ASCII ranges
 * in classes, flags; they raise {@link IllegalArgumentException} naming the feature.
 */
final class Regex {
    private static final int MAX_NFA = 20_000;
    private static final int MAX_DFA = 4_000;

    /** A set of characters: ASCII by table, non-ASCII either all (negated sets, '.') or a few listed code points. */
    private record CharSet(boolean[] ascii, boolean allNonAscii, List<Integer> codePoints) {
    }

    private sealed interface Ast permits Chars, Cat, Alt, Rep {
    }

    private record Chars(CharSet set) implements Ast {
    }

    private record Cat(List<Ast> items) implements Ast {
    }

    private record Alt(List<Ast> items) implements Ast {
    }

    private record Rep(Ast item, int min, int max) implements Ast {
    }

    private final String src;
    private int pos;

    private Regex(String src) {
        this.src = src;
    }

    static Dfa compile(String pattern) {
        Regex r = new Regex(pattern);
        String body = pattern;
        boolean anchoredStart = body.startsWith("^");
        if (anchoredStart) {
            body = body.substring(1);
        }
        boolean anchoredEnd = body.endsWith("$") && !body.endsWith("\\$");
        if (anchoredEnd) {
            body = body.substring(0, body.length() - 1);
        }
        r.parseBody(body);
        Ast ast = r.ast;
        CharSet any = new CharSet(all(true), true, List.of());
        List<Ast> parts = new ArrayList<>();
        if (!anchoredStart) {
            parts.add(new Rep(new Chars(any), 0, -1));
        }
        parts.add(ast);
        if (!anchoredEnd) {
            parts.add(new Rep(new Chars(any), 0, -1));
        }
        Nfa nfa = r.new Nfa();
        int[] frag = nfa.build(new Cat(parts));
        return nfa.determinize(frag[0], frag[1], pattern);
    }

    private Ast ast;

    private void parseBody(String body) {
        String saved = body;
        Regex inner = new Regex(saved);
        inner.pos = 0;
        Ast a = inner.alternation();
        if (inner.pos < saved.length()) {
            throw error("unbalanced ')'");
        }
        this.ast = a;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("pattern '" + src + "': " + what);
    }

    private Ast alternation() {
        List<Ast> alts = new ArrayList<>();
        alts.add(concatenation());
        while (pos < src.length() && src.charAt(pos) == '|') {
            pos++;
            alts.add(concatenation());
        }
        return alts.size() == 1 ? alts.get(0) : new Alt(alts);
    }

    private Ast concatenation() {
        List<Ast> items = new ArrayList<>();
        while (pos < src.length() && src.charAt(pos) != '|' && src.charAt(pos) != ')') {
            Ast atom = atom();
            items.add(quantified(atom));
        }
        return items.size() == 1 ? items.get(0) : new Cat(items);
    }

    private Ast quantified(Ast atom) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            int min;
            int max;
            if (c == '*') {
                min = 0;
                max = -1;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = -1;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{' && src.indexOf('}', pos) > pos && src.substring(pos + 1, src.indexOf('}', pos)).matches("\\d+(,\\d*)?")) {
                String inside = src.substring(pos + 1, src.indexOf('}', pos));
                pos = src.indexOf('}', pos) + 1;
                int comma = inside.indexOf(',');
                if (comma < 0) {
                    min = max = Integer.parseInt(inside);
                } else {
                    min = Integer.parseInt(inside.substring(0, comma));
                    max = comma == inside.length() - 1 ? -1 : Integer.parseInt(inside.substring(comma + 1));
                }
                if (max >= 0 && max < min || min > 1000 || max > 1000) {
                    throw error("bad or too large repetition {" + inside + "}");
                }
            } else {
                return atom;
            }
            if (pos < src.length() && src.charAt(pos) == '?') {
                pos++; // lazy: matches the same strings
            }
            atom = new Rep(atom, min, max);
        }
        return atom;
    }

    private Ast atom() {
        char c = src.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                if (src.startsWith("?:", pos)) {
                    pos += 2;
                } else if (src.startsWith("?", pos)) {
                    throw error("lookaround and named groups are not supported");
                }
                Ast inner = alternation();
                if (pos >= src.length() || src.charAt(pos) != ')') {
                    throw error("missing ')'");
                }
                pos++;
                return inner;
            }
            case '[' -> {
                return new Chars(charClass());
            }
            case '.' -> {
                pos++;
                boolean[] a = all(true);
                a['\n'] = false;
                a['\r'] = false;
                return new Chars(new CharSet(a, true, List.of()));
            }
            case '^', '$' -> throw error("anchors are only supported at the start and end");
            case '*', '+', '?' -> throw error("nothing to repeat at " + pos);
            case '\\' -> {
                pos++;
                return new Chars(escape(false));
            }
            default -> {
                int cp = src.codePointAt(pos);
                pos += Character.charCount(cp);
                return new Chars(single(cp));
            }
        }
    }

    private CharSet single(int cp) {
        boolean[] a = all(false);
        if (cp < 128) {
            a[cp] = true;
            return new CharSet(a, false, List.of());
        }
        return new CharSet(a, false, List.of(cp));
    }

    private static boolean[] all(boolean value) {
        boolean[] a = new boolean[128];
        Arrays.fill(a, value);
        return a;
    }

    /** After a backslash: a class escape, or an escaped literal. */
    private CharSet escape(boolean inClass) {
        if (pos >= src.length()) {
            throw error("trailing backslash");
        }
        char c = src.charAt(pos++);
        boolean[] a = all(false);
        switch (c) {
            case 'd', 'D' -> {
                for (char x = '0'; x <= '9'; x++) {
                    a[x] = true;
                }
                return c == 'd' ? new CharSet(a, false, List.of()) : negate(a);
            }
            case 'w', 'W' -> {
                for (int x = 0; x < 128; x++) {
                    a[x] = Character.isLetterOrDigit(x) || x == '_';
                }
                return c == 'w' ? new CharSet(a, false, List.of()) : negate(a);
            }
            case 's', 'S' -> {
                for (char x : " \t\n\r\f\u000B".toCharArray()) {
                    a[x] = true;
                }
                return c == 's' ? new CharSet(a, false, List.of()) : negate(a);
            }
            case 'n' -> {
                return single('\n');
            }
            case 't' -> {
                return single('\t');
            }
            case 'r' -> {
                return single('\r');
            }
            case 'f' -> {
                return single('\f');
            }
            case 'v' -> {
                return single(0x0B);
            }
            case 'u', 'x' -> {
                int len = c == 'u' ? 4 : 2;
                if (pos + len > src.length() || !src.substring(pos, pos + len).matches("[0-9a-fA-F]+")) {
                    throw error("bad \\" + c + " escape");
                }
                int cp = Integer.parseInt(src.substring(pos, pos + len), 16);
                pos += len;
                return single(cp);
            }
            case 'b', 'B' -> {
                if (inClass && c == 'b') {
                    return single(8);
                }
                throw error("word boundaries are not supported");
            }
            default -> {
                if (Character.isDigit(c)) {
                    throw error("backreferences are not supported");
                }
                if (Character.isLetter(c)) {
                    throw error("unsupported escape \\" + c);
                }
                return single(c);
            }
        }
    }

    private static CharSet negate(boolean[] a) {
        boolean[] n = new boolean[128];
        for (int i = 0; i < 128; i++) {
            n[i] = !a[i];
        }
        return new CharSet(n, true, List.of());
    }

    private CharSet charClass() {
        pos++; // '['
        boolean negated = pos < src.length() && src.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        boolean[] a = all(false);
        boolean nonAscii = false;
        List<Integer> cps = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= src.length()) {
                throw error("missing ']'");
            }
            char c = src.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            int lo;
            if (c == '\\') {
                pos++;
                CharSet e = escape(true);
                if (e.codePoints.isEmpty() && !e.allNonAscii && count(e.ascii) == 1) {
                    lo = indexOf(e.ascii);
                } else {
                    for (int i = 0; i < 128; i++) {
                        a[i] |= e.ascii[i];
                    }
                    nonAscii |= e.allNonAscii;
                    cps.addAll(e.codePoints);
                    continue;
                }
            } else {
                lo = src.codePointAt(pos);
                pos += Character.charCount(lo);
            }
            int hi = lo;
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                pos++;
                if (src.charAt(pos) == '\\') {
                    pos++;
                    CharSet e = escape(true);
                    if (!e.codePoints.isEmpty() || e.allNonAscii || count(e.ascii) != 1) {
                        throw error("bad range in a character class");
                    }
                    hi = indexOf(e.ascii);
                } else {
                    hi = src.codePointAt(pos);
                    pos += Character.charCount(hi);
                }
            }
            if (hi < lo) {
                throw error("bad range in a character class");
            }
            if (hi >= 128 && hi != lo) {
                throw error("ranges of non-ASCII characters are not supported");
            }
            if (lo >= 128) {
                cps.add(lo);
            } else {
                for (int x = lo; x <= hi; x++) {
                    a[x] = true;
                }
            }
        }
        if (negated) {
            if (!cps.isEmpty() || nonAscii) {
                throw error("negated classes with non-ASCII characters are not supported");
            }
            return negate(a);
        }
        return new CharSet(a, nonAscii, cps);
    }

    private static int count(boolean[] a) {
        int n = 0;
        for (boolean b : a) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static int indexOf(boolean[] a) {
        for (int i = 0; i < a.length; i++) {
            if (a[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Thompson NFA over bytes: per state, byte-range edges and epsilon edges. */
    private final class Nfa {
        final List<int[]> ranges = new ArrayList<>();   // per state: lo, hi, target triples
        final List<int[]> eps = new ArrayList<>();

        int state() {
            if (ranges.size() >= MAX_NFA) {
                throw error("too complex (expands beyond " + MAX_NFA + " automaton states)");
            }
            ranges.add(new int[0]);
            eps.add(new int[0]);
            return ranges.size() - 1;
        }

        void edge(int from, int lo, int hi, int to) {
            int[] r = ranges.get(from);
            int[] n = Arrays.copyOf(r, r.length + 3);
            n[r.length] = lo;
            n[r.length + 1] = hi;
            n[r.length + 2] = to;
            ranges.set(from, n);
        }

        void epsilon(int from, int to) {
            int[] e = eps.get(from);
            int[] n = Arrays.copyOf(e, e.length + 1);
            n[e.length] = to;
            eps.set(from, n);
        }

        /** Builds {@code ast} between two new states; returns {start, end}. */
        int[] build(Ast ast) {
            int s = state();
            int e = state();
            switch (ast) {
                case Chars c -> chars(c.set, s, e);
                case Cat c -> {
                    int cur = s;
                    for (Ast item : c.items) {
                        int[] f = build(item);
                        epsilon(cur, f[0]);
                        cur = f[1];
                    }
                    epsilon(cur, e);
                }
                case Alt alt -> {
                    for (Ast item : alt.items) {
                        int[] f = build(item);
                        epsilon(s, f[0]);
                        epsilon(f[1], e);
                    }
                }
                case Rep r -> {
                    int cur = s;
                    for (int i = 0; i < r.min; i++) {
                        int[] f = build(r.item);
                        epsilon(cur, f[0]);
                        cur = f[1];
                    }
                    if (r.max < 0) {
                        int[] f = build(r.item);
                        epsilon(cur, f[0]);
                        epsilon(f[1], cur);
                        epsilon(cur, e);
                    } else {
                        epsilon(cur, e);
                        for (int i = r.min; i < r.max; i++) {
                            int[] f = build(r.item);
                            epsilon(cur, f[0]);
                            cur = f[1];
                            epsilon(cur, e);
                        }
                    }
                }
            }
            return new int[] {s, e};
        }

        private void chars(CharSet set, int s, int e) {
            for (int x = 0; x < 128; x++) {
                if (set.ascii[x]) {
                    int y = x;
                    while (y + 1 < 128 && set.ascii[y + 1]) {
                        y++;
                    }
                    edge(s, x, y, e);
                    x = y;
                }
            }
            if (set.allNonAscii) {
                anyMultiByte(s, e);
            }
            for (int cp : set.codePoints) {
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                int cur = s;
                for (int i = 0; i < b.length; i++) {
                    int to = i == b.length - 1 ? e : state();
                    edge(cur, b[i] & 0xFF, b[i] & 0xFF, to);
                    cur = to;
                }
            }
        }

        /** Every well-formed multi-byte UTF-8 sequence (RFC 3629). */
        private void anyMultiByte(int s, int e) {
            int c1 = state();
            int c2 = state();
            int c3 = state();
            edge(c1, 0x80, 0xBF, e);
            edge(c2, 0x80, 0xBF, c1);
            edge(c3, 0x80, 0xBF, c2);
            edge(s, 0xC2, 0xDF, c1);
            int e0 = state();
            edge(s, 0xE0, 0xE0, e0);
            edge(e0, 0xA0, 0xBF, c1);
            edge(s, 0xE1, 0xEC, c2);
            int ed = state();
            edge(s, 0xED, 0xED, ed);
            edge(ed, 0x80, 0x9F, c1);
            edge(s, 0xEE, 0xEF, c2);
            int f0 = state();
            edge(s, 0xF0, 0xF0, f0);
            edge(f0, 0x90, 0xBF, c2);
            edge(s, 0xF1, 0xF3, c3);
            int f4 = state();
            edge(s, 0xF4, 0xF4, f4);
            edge(f4, 0x80, 0x8F, c2);
        }

        private int[] closure(int[] states) {
            boolean[] seen = new boolean[ranges.size()];
            int[] stack = new int[ranges.size()];
            int top = 0;
            int count = 0;
            for (int s : states) {
                if (!seen[s]) {
                    seen[s] = true;
                    stack[top++] = s;
                }
            }
            while (top > 0) {
                int s = stack[--top];
                count++;
                for (int t : eps.get(s)) {
                    if (!seen[t]) {
                        seen[t] = true;
                        stack[top++] = t;
                    }
                }
            }
            int[] out = new int[count];
            int k = 0;
            for (int i = 0; i < seen.length; i++) {
                if (seen[i]) {
                    out[k++] = i;
                }
            }
            return out;
        }

        Dfa determinize(int start, int accept, String pattern) {
            Map<String, Integer> ids = new HashMap<>();
            List<int[]> sets = new ArrayList<>();
            List<int[]> rows = new ArrayList<>();
            int[] first = closure(new int[] {start});
            ids.put(Arrays.toString(first), 0);
            sets.add(first);
            int[] buf = new int[ranges.size()];
            for (int d = 0; d < sets.size(); d++) {
                int[] set = sets.get(d);
                int[] row = new int[256];
                Arrays.fill(row, -1);
                for (int x = 0; x < 256; x++) {
                    if (x == '"' || x == '\\' || x < 0x20) {
                        continue; // JSON would need an escape: never generated
                    }
                    int k = 0;
                    for (int s : set) {
                        int[] r = ranges.get(s);
                        for (int i = 0; i < r.length; i += 3) {
                            if (x >= r[i] && x <= r[i + 1]) {
                                buf[k++] = r[i + 2];
                            }
                        }
                    }
                    if (k == 0) {
                        continue;
                    }
                    int[] target = closure(Arrays.copyOf(buf, k));
                    String key = Arrays.toString(target);
                    Integer id = ids.get(key);
                    if (id == null) {
                        if (sets.size() >= MAX_DFA) {
                            throw error("too complex (more than " + MAX_DFA + " automaton states)");
                        }
                        id = sets.size();
                        ids.put(key, id);
                        sets.add(target);
                    }
                    row[x] = id;
                }
                rows.add(row);
            }
            boolean[] acc = new boolean[sets.size()];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = Arrays.binarySearch(sets.get(i), accept) >= 0;
            }
            Dfa dfa = new Dfa(0, rows.toArray(new int[0][]), acc);
            if (!dfa.live()) {
                throw new IllegalArgumentException("pattern '" + pattern + "' matches no string that can be written without escapes");
            }
            return dfa;
        }
    }
}
