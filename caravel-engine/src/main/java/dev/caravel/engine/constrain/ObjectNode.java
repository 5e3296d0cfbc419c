package dev.caravel.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A JSON object whose declared properties come in declared order (optional ones may be skipped), then,
 * when additionalProperties allows, extra properties. Declared keys are matched through a trie, so a key
 * prefix is allowed only if it can still become a key that may come next. Extra keys, when the object
 * also declares properties, are 1–64 characters of {@code [A-Za-z0-9_-]} and never a declared key (so no
 * duplicate or out-of-order declared key sneaks in); an object that declares none takes any string key.
 *
 * <p>State: {@code a} = phase | whitespace counter &lt;&lt; 4; {@code b} = next property index (or, after a
 * key, the key's property, -1 for an extra one); {@code v} (in a key) = trie node | key may be extra
 * &lt;&lt; 32 | key length &lt;&lt; 33.
 */
final class ObjectNode extends Node {
    private static final int OPEN = 0;
    private static final int AFTER_OPEN = 1;
    private static final int KEY = 2;
    private static final int AFTER_KEY = 3;
    private static final int AFTER_COLON = 4;
    private static final int AFTER_VALUE = 5;
    private static final int AFTER_COMMA = 6;
    private static final int CLOSED = 7;
    private static final int MAX_EXTRA_KEY = 64;

    private final int n;
    private final byte[][] keys;          // JSON-escaped key text, without quotes
    private final Node[] values;
    private final boolean[] required;
    private final Node additional;        // null: no extra properties
    private final Node stringKey;         // non-null when no properties are declared: keys are any JSON string

    // Key trie (nodes in creation order, children after parents).
    private final List<byte[]> trieBytes = new ArrayList<>();
    private final List<int[]> trieNext = new ArrayList<>();
    private final List<Integer> trieTerminal = new ArrayList<>();
    private final List<int[]> trieProps = new ArrayList<>();
    private final List<Integer> trieDepth = new ArrayList<>();

    private int[] firstRequired;   // [pos]: first required index >= pos, or n
    private boolean[] keyPossible; // [pos]: some key may come at pos
    private int[] closeCost;       // [pos]: bytes to close after a value, with pos next
    private int[] commaCost;       // [pos]: bytes to close after a comma, with pos next

    ObjectNode(List<String> names, List<Node> values, List<Boolean> required, Node additional) {
        this.n = names.size();
        this.keys = new byte[n][];
        this.values = values.toArray(new Node[0]);
        this.required = new boolean[n];
        for (int i = 0; i < n; i++) {
            String quoted = Json.quote(names.get(i));
            keys[i] = quoted.substring(1, quoted.length() - 1).getBytes(StandardCharsets.UTF_8);
            this.required[i] = required.get(i);
        }
        this.additional = additional;
        this.stringKey = n == 0 && additional != null ? new StringNode(0, INF, null) : null;
        newTrieNode(0);
        for (int i = 0; i < n; i++) {
            int t = 0;
            for (byte x : keys[i]) {
                int c = child(t, x & 0xFF);
                if (c < 0) {
                    c = newTrieNode(trieDepth.get(t) + 1);
                    byte[] kb = trieBytes.get(t);
                    int[] kn = trieNext.get(t);
                    byte[] nb = java.util.Arrays.copyOf(kb, kb.length + 1);
                    int[] nn = java.util.Arrays.copyOf(kn, kn.length + 1);
                    nb[kb.length] = x;
                    nn[kn.length] = c;
                    trieBytes.set(t, nb);
                    trieNext.set(t, nn);
                }
                t = c;
            }
            if (trieTerminal.get(t) >= 0) {
                throw new IllegalArgumentException("property '" + names.get(i) + "' is declared twice");
            }
            trieTerminal.set(t, i);
        }
        // Each node lists the properties below it (including its own).
        for (int i = 0; i < n; i++) {
            int t = 0;
            addProp(t, i);
            for (byte x : keys[i]) {
                t = child(t, x & 0xFF);
                addProp(t, i);
            }
        }
    }

    private int newTrieNode(int depth) {
        trieBytes.add(new byte[0]);
        trieNext.add(new int[0]);
        trieTerminal.add(-1);
        trieProps.add(new int[0]);
        trieDepth.add(depth);
        return trieBytes.size() - 1;
    }

    private void addProp(int t, int prop) {
        int[] p = trieProps.get(t);
        int[] q = java.util.Arrays.copyOf(p, p.length + 1);
        q[p.length] = prop;
        trieProps.set(t, q);
    }

    private int child(int t, int x) {
        byte[] kb = trieBytes.get(t);
        for (int i = 0; i < kb.length; i++) {
            if ((kb[i] & 0xFF) == x) {
                return trieNext.get(t)[i];
            }
        }
        return -1;
    }

    /** Whether property j may be the next key when pos is the next index. */
    private boolean allowed(int pos, int j) {
        return j >= pos && j <= firstRequired[pos] && j < n && values[j].minLen < INF;
    }

    private boolean extraAt(int pos) {
        return additional != null && additional.minLen < INF && firstRequired[pos] == n;
    }

    private static boolean extraChar(int x) {
        return (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || (x >= '0' && x <= '9') || x == '_' || x == '-';
    }

    @Override
    void step(Frame f, int x, Threads out) {
        int phase = f.a & 15;
        int w = f.a >>> 4;
        if (phase != OPEN && phase != KEY && phase != CLOSED) {
            int nw = ws(w, x);
            if (nw >= 0) {
                out.add(new Frame(this, phase | (nw << 4), f.b, f.v, f.parent));
                return;
            }
        }
        int pos = f.b;
        switch (phase) {
            case OPEN -> {
                if (x == '{') {
                    out.add(new Frame(this, AFTER_OPEN, 0, 0, f.parent));
                }
            }
            case AFTER_OPEN, AFTER_VALUE -> {
                if (x == '}' && firstRequired[pos] == n) {
                    out.add(new Frame(this, CLOSED, pos, 0, f.parent));
                } else if (x == ',' && phase == AFTER_VALUE && keyPossible[pos]) {
                    out.add(new Frame(this, AFTER_COMMA, pos, 0, f.parent));
                } else if (x == '"' && phase == AFTER_OPEN && keyPossible[pos]) {
                    startKey(f, pos, out);
                }
            }
            case AFTER_COMMA -> {
                if (x == '"') {
                    startKey(f, pos, out);
                }
            }
            case KEY -> key(f, x, out);
            case AFTER_KEY -> {
                if (x == ':') {
                    out.add(new Frame(this, AFTER_COLON, pos, 0, f.parent));
                }
            }
            case AFTER_COLON -> {
                Node value = pos >= 0 ? values[pos] : additional;
                value.enter(new Frame(this, AFTER_VALUE, pos >= 0 ? pos + 1 : n, 0, f.parent), x, out);
            }
            default -> {
            }
        }
    }

    private void startKey(Frame f, int pos, Threads out) {
        if (stringKey != null) {
            stringKey.enter(new Frame(this, AFTER_KEY, -1, 0, f.parent), '"', out);
        } else {
            out.add(new Frame(this, KEY, pos, 1L << 32, f.parent));
        }
    }

    private void key(Frame f, int x, Threads out) {
        int pos = f.b;
        int t = (int) f.v;
        boolean extraLegal = ((f.v >>> 32) & 1) != 0;
        int len = (int) (f.v >>> 33);
        if (x == '"' && (t < 0 || child(t, x) < 0)) {
            // The closing quote (a quote inside a declared key comes escaped, after a backslash edge).
            int j = t >= 0 ? trieTerminal.get(t) : -1;
            if (j >= 0) {
                if (allowed(pos, j)) {
                    out.add(new Frame(this, AFTER_KEY, j, 0, f.parent));
                }
            } else if (extraAt(pos) && extraLegal && len >= 1) {
                out.add(new Frame(this, AFTER_KEY, -1, 0, f.parent));
            }
            return;
        }
        int c = t >= 0 ? child(t, x) : -1;
        boolean declared = false;
        if (c >= 0) {
            for (int j : trieProps.get(c)) {
                declared |= allowed(pos, j);
            }
        }
        boolean el = extraLegal && extraChar(x);
        boolean extra = extraAt(pos) && el && len + 1 <= MAX_EXTRA_KEY
                && (len + 1 < MAX_EXTRA_KEY || c < 0 || trieTerminal.get(c) < 0);
        if (declared || extra) {
            long v = (c & 0xFFFFFFFFL) | (el ? 1L << 32 : 0) | ((long) (len + 1) << 33);
            out.add(new Frame(this, KEY, pos, v, f.parent));
        }
    }

    @Override
    boolean canEnd(Frame f) {
        return (f.a & 15) == CLOSED;
    }

    @Override
    int remaining(Frame f) {
        int pos = f.b;
        return switch (f.a & 15) {
            case OPEN -> minLen;
            case AFTER_OPEN -> firstRequired[0] == n ? 1 : closeCost[0] - 1;
            case AFTER_VALUE -> closeCost[pos];
            case AFTER_COMMA -> commaCost[pos];
            case KEY -> keyCost(f);
            case AFTER_KEY -> add(1, afterColon(pos));
            case AFTER_COLON -> afterColon(pos);
            default -> 0;
        };
    }

    private int afterColon(int j) {
        return j >= 0 ? add(values[j].minLen, closeCost[j + 1]) : add(additional.minLen, closeCost[n]);
    }

    private int keyCost(Frame f) {
        int pos = f.b;
        int t = (int) f.v;
        int len = (int) (f.v >>> 33);
        int best = INF;
        if (t >= 0) {
            for (int j : trieProps.get(t)) {
                if (allowed(pos, j)) {
                    best = Math.min(best, add(keys[j].length - trieDepth.get(t) + 2, afterColon(j)));
                }
            }
        }
        if (extraAt(pos) && ((f.v >>> 32) & 1) != 0) {
            best = Math.min(best, add((len >= 1 ? 0 : 1) + 2, afterColon(-1)));
        }
        return best;
    }

    @Override
    int computeMinLen() {
        int sum = 1;
        boolean any = false;
        for (int j = 0; j < n; j++) {
            if (required[j]) {
                sum = add(sum, add(keys[j].length + 3, values[j].minLen));
                sum = add(sum, any ? 1 : 0);
                any = true;
            }
        }
        return add(sum, 1);
    }

    @Override
    void finish() {
        firstRequired = new int[n + 1];
        firstRequired[n] = n;
        for (int j = n - 1; j >= 0; j--) {
            firstRequired[j] = required[j] ? j : firstRequired[j + 1];
        }
        closeCost = new int[n + 1];
        closeCost[n] = 1;
        for (int j = n - 1; j >= 0; j--) {
            closeCost[j] = required[j] ? add(closeCost[j + 1], add(keys[j].length + 4, values[j].minLen)) : closeCost[j + 1];
        }
        keyPossible = new boolean[n + 1];
        commaCost = new int[n + 1];
        int extraKey = stringKey != null ? 2 : 3;
        for (int pos = 0; pos <= n; pos++) {
            int best = INF;
            for (int j = pos; j <= Math.min(firstRequired[pos], n - 1); j++) {
                if (values[j].minLen < INF) {
                    best = Math.min(best, add(keys[j].length + 3, afterColon(j)));
                }
            }
            if (extraAt(pos)) {
                best = Math.min(best, add(extraKey + 1, afterColon(-1)));
            }
            keyPossible[pos] = best < INF;
            commaCost[pos] = best;
        }
    }

    @Override
    List<Node> children() {
        List<Node> c = new ArrayList<>(List.of(values));
        if (additional != null) {
            c.add(additional);
        }
        return c;
    }

    @Override
    boolean selfDelimiting(Set<Node> seen) {
        return true;
    }
}
