package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} behaviour over Java strings. Python indexes strings by code point while Java
 * uses UTF-16 units, so lengths, iteration and slicing go through code points here; whitespace and
 * printability follow CPython's Unicode tables rather than Java's {@code Character.isWhitespace}.
 */
final class PyStrings {

    private PyStrings() {
    }

    /** CPython's {@code str.isspace} for one code point (Zs, or bidi class WS/B/S). */
    static boolean isSpace(int cp) {
        if (cp <= 0x20) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
        }
        return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    /** CPython's {@code str.isprintable} for one code point, which decides repr() escaping. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    static boolean isAllSpace(CharSequence s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static int codePointLength(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Each code point as its own string: what iterating a Python str yields. */
    static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            out.add(s.substring(i, i + n));
            i += n;
        }
        return out;
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    // ---- stripping ------------------------------------------------------------------------

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end) {
            int cp = s.codePointAt(start);
            if (!stripped(cp, chars)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (right && end > start) {
            int cp = s.codePointBefore(end);
            if (!stripped(cp, chars)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(new String(Character.toChars(cp))) >= 0;
    }

    // ---- splitting ------------------------------------------------------------------------

    /** Python {@code str.split(sep, maxsplit)}; {@code sep == null} splits on whitespace runs. */
    static List<Object> split(String s, String sep, int maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw TemplateException.value("empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Python {@code str.rsplit(sep, maxsplit)}. */
    static List<Object> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() == maxSplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) {
                throw TemplateException.value("empty separator");
            }
            int end = s.length();
            while (out.size() < maxSplit) {
                int at = s.lastIndexOf(sep, end - sep.length());
                if (at < 0) {
                    break;
                }
                out.add(s.substring(at + sep.length(), end));
                end = at;
            }
            out.add(s.substring(0, end));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    /** Python {@code str.splitlines(keepends)}. */
    static List<Object> splitLines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            int j = i;
            while (j < n && !isLineBreak(s.charAt(j))) {
                j++;
            }
            int eol = j;
            if (j < n) {
                j += (s.charAt(j) == '\r' && j + 1 < n && s.charAt(j + 1) == '\n') ? 2 : 1;
            }
            out.add(s.substring(i, keepEnds ? j : eol));
            i = j;
        }
        return out;
    }

    // ---- case -----------------------------------------------------------------------------

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python {@code str.title()}: a cased character after a cased one is lowered, else titled. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            String ch = new String(Character.toChars(cp));
            if (previousCased) {
                out.append(lower(ch));
            } else {
                out.append(titleCase(cp));
            }
            previousCased = isCased(cp);
        }
        return out.toString();
    }

    private static String titleCase(int cp) {
        int t = Character.toTitleCase(cp);
        if (t != cp) {
            return new String(Character.toChars(t));
        }
        return upper(new String(Character.toChars(cp)));
    }

    /** Python {@code str.capitalize()}: first code point title-cased, the rest lowered. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        return titleCase(cp) + lower(s.substring(Character.charCount(cp)));
    }

    static String swapCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            out.append(Character.isUpperCase(cp) ? lower(ch) : Character.isLowerCase(cp) ? upper(ch) : ch);
        });
        return out.toString();
    }

    /** Python {@code str.islower()}/{@code isupper()}: some cased character and none of the other case. */
    static boolean hasOnlyCase(String s, boolean lowerWanted) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (lowerWanted ? (Character.isUpperCase(cp) || Character.isTitleCase(cp)) : (Character.isLowerCase(cp) || Character.isTitleCase(cp))) {
                return false;
            }
            if (isCased(cp)) {
                cased = true;
            }
        }
        return cased;
    }

    // ---- padding --------------------------------------------------------------------------

    /** Python {@code str.center}: odd padding goes to the left only when the width is odd too. */
    static String center(String s, int width, String fill) {
        int marg = width - codePointLength(s);
        if (marg <= 0) {
            return s;
        }
        int left = marg / 2 + (marg & width & 1);
        return fill.repeat(left) + s + fill.repeat(marg - left);
    }

    static String ljust(String s, int width, String fill) {
        int marg = width - codePointLength(s);
        return marg <= 0 ? s : s + fill.repeat(marg);
    }

    static String rjust(String s, int width, String fill) {
        int marg = width - codePointLength(s);
        return marg <= 0 ? s : fill.repeat(marg) + s;
    }

    static String zfill(String s, int width) {
        int marg = width - codePointLength(s);
        if (marg <= 0) {
            return s;
        }
        String pad = "0".repeat(marg);
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            return s.charAt(0) + pad + s.substring(1);
        }
        return pad + s;
    }

    /** Python {@code str.replace(old, new, count)}, including the empty-pattern case. */
    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            count = Long.MAX_VALUE;
        }
        StringBuilder out = new StringBuilder();
        if (old.isEmpty()) {
            List<String> cps = codePoints(s);
            long done = 0;
            for (String cp : cps) {
                if (done < count) {
                    out.append(replacement);
                    done++;
                }
                out.append(cp);
            }
            if (done < count) {
                out.append(replacement);
            }
            return out.toString();
        }
        int from = 0;
        long done = 0;
        while (done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    /** Converts a UTF-16 index into a code point index (Python's str.find reports those). */
    static int toCodePointIndex(String s, int charIndex) {
        return charIndex < 0 ? charIndex : s.codePointCount(0, charIndex);
    }

    /** Converts a (non-negative, clamped) code point index into a UTF-16 index. */
    static int toCharIndex(String s, int cpIndex) {
        int cps = codePointLength(s);
        if (cpIndex >= cps) {
            return s.length();
        }
        return s.offsetByCodePoints(0, Math.max(0, cpIndex));
    }
}
