package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code pprint.pformat} (width 80, dict keys sorted), behind the {@code |pprint} filter:
 * values whose repr fits stay on one line, longer dicts, lists, tuples and strings wrap the way
 * CPython's PrettyPrinter wraps them.
 */
final class PrettyPrinter {

    private static final int WIDTH = 80;
    private static final Pattern WORD_AND_SPACE = Pattern.compile("\\S*\\s*");

    private final StringBuilder out = new StringBuilder();

    static String format(Object value) {
        PrettyPrinter p = new PrettyPrinter();
        p.format(value, 0, 0, 0);
        return p.out.toString();
    }

    /** repr with sorted dict keys at every depth (pprint's safe_repr). */
    static String sortedRepr(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : sortedEntries(m)) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(sortedRepr(e.getKey())).append(": ").append(sortedRepr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l && !(v instanceof PyRange) && !(v instanceof DictView)) {
            boolean tuple = v instanceof PyTuple;
            StringBuilder sb = new StringBuilder(tuple ? "(" : "[");
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(sortedRepr(l.get(i)));
            }
            if (tuple && l.size() == 1) {
                sb.append(',');
            }
            return sb.append(tuple ? ")" : "]").toString();
        }
        return PyValues.repr(v);
    }

    private static List<Map.Entry<?, ?>> sortedEntries(Map<?, ?> m) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
        entries.sort((a, b) -> {
            try {
                return PyValues.order("<", a.getKey(), b.getKey());
            } catch (TemplateException e) {
                return PyValues.typeName(a.getKey()).compareTo(PyValues.typeName(b.getKey()));
            }
        });
        return entries;
    }

    private void format(Object v, int indent, int allowance, int level) {
        String rep = sortedRepr(v);
        if (rep.length() > WIDTH - indent - allowance) {
            if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                out.append('{');
                formatDictItems(sortedEntries(m), indent, allowance + 1, level + 1);
                out.append('}');
                return;
            }
            if (v instanceof PyTuple t) {
                String end = t.size() == 1 ? ",)" : ")";
                out.append('(');
                formatItems(t, indent, allowance + end.length(), level + 1);
                out.append(end);
                return;
            }
            if (v instanceof List<?> l && !(v instanceof PyRange) && !(v instanceof DictView)) {
                out.append('[');
                formatItems(l, indent, allowance + 1, level + 1);
                out.append(']');
                return;
            }
            if (v instanceof String s && !s.isEmpty()) {
                formatString(s, indent, allowance, level + 1);
                return;
            }
        }
        out.append(rep);
    }

    private void formatDictItems(List<Map.Entry<?, ?>> items, int indent, int allowance, int level) {
        indent += 1;
        for (int i = 0; i < items.size(); i++) {
            boolean last = i == items.size() - 1;
            String rep = sortedRepr(items.get(i).getKey());
            out.append(rep).append(": ");
            format(items.get(i).getValue(), indent + rep.length() + 2, last ? allowance : 1, level);
            if (!last) {
                out.append(",\n").append(" ".repeat(indent));
            }
        }
    }

    private void formatItems(List<?> items, int indent, int allowance, int level) {
        indent += 1;
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(",\n").append(" ".repeat(indent));
            }
            format(items.get(i), indent, i == items.size() - 1 ? allowance : 1, level);
        }
    }

    private void formatString(String s, int indent, int allowance, int level) {
        List<String> chunks = new ArrayList<>();
        List<Object> lines = PyStrings.splitLines(s, true);
        if (level == 1) {
            indent += 1;
            allowance += 1;
        }
        int maxWidth1 = WIDTH - indent;
        int maxWidth = WIDTH - indent;
        String rep = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            rep = PyValues.repr(line);
            if (i == lines.size() - 1) {
                maxWidth1 -= allowance;
            }
            if (rep.length() <= maxWidth1) {
                chunks.add(rep);
                continue;
            }
            List<String> parts = new ArrayList<>();
            Matcher m = WORD_AND_SPACE.matcher(line);
            while (m.find()) {
                if (!m.group().isEmpty()) {
                    parts.add(m.group());
                }
            }
            int maxWidth2 = maxWidth;
            String current = "";
            for (int j = 0; j < parts.size(); j++) {
                String candidate = current + parts.get(j);
                if (j == parts.size() - 1 && i == lines.size() - 1) {
                    maxWidth2 -= allowance;
                }
                if (PyValues.repr(candidate).length() > maxWidth2) {
                    if (!current.isEmpty()) {
                        chunks.add(PyValues.repr(current));
                    }
                    current = parts.get(j);
                } else {
                    current = candidate;
                }
            }
            if (!current.isEmpty()) {
                chunks.add(PyValues.repr(current));
            }
        }
        if (chunks.size() == 1) {
            out.append(rep);
            return;
        }
        if (level == 1) {
            out.append('(');
        }
        for (int i = 0; i < chunks.size(); i++) {
            if (i > 0) {
                out.append('\n').append(" ".repeat(indent));
            }
            out.append(chunks.get(i));
        }
        if (level == 1) {
            out.append(')');
        }
    }
}
