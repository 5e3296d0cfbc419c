package dev.caravel.template;

/**
 * A string already safe for HTML, the counterpart of Python's {@code markupsafe.Markup}. It only
 * matters because Jinja2 keeps Markup semantics even with autoescaping off: {@code "a"|safe + b}
 * HTML-escapes {@code b}. Templates that combine {@code |safe} with {@code +} rely on that, so the
 * distinction is kept to stay byte-identical.
 */
public record Markup(String text) {

    public Markup {
        if (text == null) {
            throw new NullPointerException("text");
        }
    }

    /** HTML-escapes like markupsafe: the five characters {@code & < > " '}. */
    public static String escapeHtml(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&#34;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (rep != null && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (rep != null) {
                    out.append(rep);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    /** markupsafe.escape: Markup passes through, everything else is stringified and escaped. */
    static Markup escape(Object value) {
        if (value instanceof Markup m) {
            return m;
        }
        return new Markup(escapeHtml(PyValues.str(value)));
    }

    @Override
    public String toString() {
        return text;
    }
}
