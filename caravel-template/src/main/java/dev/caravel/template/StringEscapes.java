package dev.caravel.template;

/**
 * Decodes backslash escapes in template string literals the way Python's "unicode-escape" codec
 * does (which is what Jinja2 uses): {@code \n \t \\ \' \" \xhh \\uhhhh \Uhhhhhhhh \N{name} \ooo},
 * backslash-newline as a line continuation, and unknown escapes kept verbatim.
 */
final class StringEscapes {

    private StringEscapes() {
    }

    static String decode(String body, int line) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                out.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> { }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> i = hex(body, i, 2, out, line, "\\xXX");
                case 'u' -> i = hex(body, i, 4, out, line, "\\uXXXX");
                case 'U' -> i = hex(body, i, 8, out, line, "\\UXXXXXXXX");
                case 'N' -> i = named(body, i, out, line);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = e - '0';
                        int digits = 1;
                        while (digits < 3 && i < n && body.charAt(i) >= '0' && body.charAt(i) <= '7') {
                            value = value * 8 + (body.charAt(i) - '0');
                            i++;
                            digits++;
                        }
                        out.appendCodePoint(value);
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        return out.toString();
    }

    private static int hex(String body, int i, int count, StringBuilder out, int line, String form) {
        if (i + count > body.length()) {
            throw truncated(form, line);
        }
        int value = 0;
        for (int k = 0; k < count; k++) {
            int d = Character.digit(body.charAt(i + k), 16);
            if (d < 0) {
                throw truncated(form, line);
            }
            value = value * 16 + d;
        }
        if (!Character.isValidCodePoint(value)) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "illegal Unicode character", line);
        }
        out.appendCodePoint(value);
        return i + count;
    }

    private static int named(String body, int i, StringBuilder out, int line) {
        int close = body.indexOf('}', i);
        if (i >= body.length() || body.charAt(i) != '{' || close < 0) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "malformed \\N character escape", line);
        }
        try {
            out.appendCodePoint(Character.codePointOf(body.substring(i + 1, close)));
        } catch (IllegalArgumentException e) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "unknown Unicode character name", line);
        }
        return close + 1;
    }

    private static TemplateException truncated(String form, int line) {
        return new TemplateException(TemplateException.Kind.SYNTAX, "truncated " + form + " escape", line);
    }
}
