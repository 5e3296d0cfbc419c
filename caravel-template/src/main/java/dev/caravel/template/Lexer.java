package dev.caravel.template;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits template source into tokens, reproducing Jinja2's lexer rules exactly because whitespace
 * handling is where renderers most often drift from Python:
 * <ul>
 *   <li>{@code -} on a tag strips all whitespace on that side; {@code +} disables lstrip/trim;</li>
 *   <li>trim_blocks removes one newline after a block or comment tag (not after {@code }}});</li>
 *   <li>lstrip_blocks removes spaces and tabs between a line start and a block or comment tag;</li>
 *   <li>line endings are normalized to {@code \n} and one trailing newline is dropped.</li>
 * </ul>
 */
final class Lexer {

    private static final Pattern FLOAT = Pattern.compile(
            "(?<!\\.)(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "(?i)0b(_?[0-1])+|0o(_?[0-7])+|0x(_?[\\da-f])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern NAME = Pattern.compile(
            "[\\p{L}\\p{Nl}_][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]*");
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "|", ",", ";", ":", ".", "=", "<", ">"
    };

    private final String src;
    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int lineCountedUpTo;
    private boolean lineStarting = true;

    private Lexer(String source, boolean trimBlocks, boolean lstripBlocks) {
        this.src = normalizeNewlines(source);
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
    }

    static List<Token> tokenize(String source, boolean trimBlocks, boolean lstripBlocks) {
        Lexer lexer = new Lexer(source, trimBlocks, lstripBlocks);
        lexer.run();
        return lexer.tokens;
    }

    /** Jinja2 treats \r\n and \r as \n and drops one final newline (keep_trailing_newline=False). */
    private static String normalizeNewlines(String s) {
        String n = s.indexOf('\r') >= 0 ? s.replace("\r\n", "\n").replace('\r', '\n') : s;
        return n.endsWith("\n") ? n.substring(0, n.length() - 1) : n;
    }

    private int lineAt(int index) {
        for (int i = lineCountedUpTo; i < index && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        lineCountedUpTo = Math.max(lineCountedUpTo, index);
        return line;
    }

    private TemplateException error(String message) {
        return new TemplateException(TemplateException.Kind.SYNTAX, message, lineAt(pos));
    }

    private void emit(Token.Kind kind, String text, Object value, int at) {
        tokens.add(new Token(kind, text, value, lineAt(at)));
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tagStart = findTagStart(pos);
            if (tagStart < 0) {
                emit(Token.Kind.DATA, src.substring(pos), null, pos);
                pos = n;
                break;
            }
            char type = src.charAt(tagStart + 1);
            int afterOpen = tagStart + 2;
            char sign = afterOpen < n && (src.charAt(afterOpen) == '-' || src.charAt(afterOpen) == '+')
                    ? src.charAt(afterOpen) : 0;
            int rawEnd = type == '%' ? matchRawBegin(tagStart) : -1;
            String text = stripBeforeTag(src.substring(pos, tagStart), sign, type != '{');
            if (!text.isEmpty()) {
                emit(Token.Kind.DATA, text, null, pos);
            }
            if (rawEnd >= 0) {
                pos = rawEnd;
                lineStarting = src.charAt(rawEnd - 1) == '\n';
                lexRawBody();
            } else if (type == '#') {
                pos = afterOpen + (sign != 0 ? 1 : 0);
                lexComment();
            } else {
                emit(type == '{' ? Token.Kind.VARIABLE_BEGIN : Token.Kind.BLOCK_BEGIN, src.substring(tagStart, afterOpen), null, tagStart);
                pos = afterOpen + (sign != 0 ? 1 : 0);
                lexTag(type == '%');
            }
        }
        emit(Token.Kind.EOF, "", null, pos);
    }

    private int findTagStart(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** Jinja2's OptionalLStrip: what of the text before a tag survives its whitespace control. */
    private String stripBeforeTag(String text, char sign, boolean lstripAllowed) {
        if (sign == '-') {
            return PyStrings.strip(text, null, false, true);
        }
        if (sign != '+' && lstripBlocks && lstripAllowed) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && PyStrings.isAllSpace(text, lineStart)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private int skipSpaces(int i) {
        while (i < src.length() && PyStrings.isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Matches {@code {%[-+]? raw (-%}\s*|%})} at {@code start}; returns its end or -1. */
    private int matchRawBegin(int start) {
        int i = start + 2;
        if (i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+')) {
            i++;
        }
        i = skipSpaces(i);
        if (!src.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpaces(i + 3);
        if (src.startsWith("-%}", i)) {
            return skipSpaces(i + 3);
        }
        return src.startsWith("%}", i) ? i + 2 : -1;
    }

    private void lexRawBody() {
        int search = pos;
        while (true) {
            int at = src.indexOf("{%", search);
            if (at < 0) {
                throw error("Missing end of raw directive");
            }
            int i = at + 2;
            char sign = 0;
            if (i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+')) {
                sign = src.charAt(i);
                i++;
            }
            i = skipSpaces(i);
            if (src.startsWith("endraw", i)) {
                int end = endOfBlockTag(skipSpaces(i + 6));
                if (end >= 0) {
                    String text = stripBeforeTag(src.substring(pos, at), sign, true);
                    if (!text.isEmpty()) {
                        emit(Token.Kind.DATA, text, null, pos);
                    }
                    pos = end;
                    lineStarting = src.charAt(end - 1) == '\n';
                    return;
                }
            }
            search = at + 2;
        }
    }

    /** Matches a block end ({@code +%}}, {@code -%}\s*} or {@code %}\n?}) at i; returns its end or -1. */
    private int endOfBlockTag(int i) {
        if (src.startsWith("+%}", i)) {
            return i + 3;
        }
        if (src.startsWith("-%}", i)) {
            return skipSpaces(i + 3);
        }
        if (src.startsWith("%}", i)) {
            int end = i + 2;
            return trimBlocks && end < src.length() && src.charAt(end) == '\n' ? end + 1 : end;
        }
        return -1;
    }

    private void lexComment() {
        int close = src.indexOf("#}", pos);
        if (close < 0) {
            throw error("Missing end of comment tag");
        }
        int end;
        if (close - 1 >= pos && src.charAt(close - 1) == '-') {
            end = skipSpaces(close + 2);
        } else if (close - 1 >= pos && src.charAt(close - 1) == '+') {
            end = close + 2;
        } else {
            end = close + 2;
            if (trimBlocks && end < src.length() && src.charAt(end) == '\n') {
                end++;
            }
        }
        pos = end;
        lineStarting = src.charAt(end - 1) == '\n';
    }

    private void lexTag(boolean block) {
        Deque<Character> balance = new ArrayDeque<>();
        int n = src.length();
        while (pos < n) {
            if (balance.isEmpty()) {
                int end = block ? endOfBlockTag(pos) : endOfVariableTag(pos);
                if (end >= 0) {
                    emit(block ? Token.Kind.BLOCK_END : Token.Kind.VARIABLE_END, src.substring(pos, end), null, pos);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            char c = src.charAt(pos);
            if (PyStrings.isSpace(c)) {
                pos = skipSpaces(pos);
                continue;
            }
            if (lexNumber() || lexName() || lexString()) {
                continue;
            }
            lexOperator(balance);
        }
    }

    private int endOfVariableTag(int i) {
        if (src.startsWith("-}}", i)) {
            return skipSpaces(i + 3);
        }
        return src.startsWith("}}", i) ? i + 2 : -1;
    }

    private Matcher matchAt(Pattern p) {
        Matcher m = p.matcher(src);
        m.region(pos, src.length());
        m.useTransparentBounds(true);
        return m.lookingAt() ? m : null;
    }

    private boolean lexNumber() {
        Matcher m = matchAt(FLOAT);
        if (m != null) {
            String text = m.group();
            emit(Token.Kind.FLOAT, text, Double.parseDouble(text.replace("_", "")), pos);
            pos = m.end();
            return true;
        }
        m = matchAt(INTEGER);
        if (m == null) {
            return false;
        }
        String text = m.group();
        String digits = text.replace("_", "").toLowerCase();
        BigInteger value;
        if (digits.startsWith("0b")) {
            value = new BigInteger(digits.substring(2), 2);
        } else if (digits.startsWith("0o")) {
            value = new BigInteger(digits.substring(2), 8);
        } else if (digits.startsWith("0x")) {
            value = new BigInteger(digits.substring(2), 16);
        } else {
            value = new BigInteger(digits);
        }
        emit(Token.Kind.INTEGER, text, PyOps.normalize(value), pos);
        pos = m.end();
        return true;
    }

    private boolean lexName() {
        Matcher m = matchAt(NAME);
        if (m == null) {
            return false;
        }
        emit(Token.Kind.NAME, m.group(), m.group(), pos);
        pos = m.end();
        return true;
    }

    private boolean lexString() {
        char quote = src.charAt(pos);
        if (quote != '\'' && quote != '"') {
            return false;
        }
        int i = pos + 1;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                String body = src.substring(pos + 1, i);
                emit(Token.Kind.STRING, src.substring(pos, i + 1), StringEscapes.decode(body, lineAt(pos)), pos);
                pos = i + 1;
                return true;
            } else {
                i++;
            }
        }
        return false;
    }

    private void lexOperator(Deque<Character> balance) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                switch (op) {
                    case "{" -> balance.push('}');
                    case "(" -> balance.push(')');
                    case "[" -> balance.push(']');
                    case "}", ")", "]" -> {
                        if (balance.isEmpty()) {
                            throw error("unexpected '" + op + "'");
                        }
                        char expected = balance.pop();
                        if (expected != op.charAt(0)) {
                            throw error("unexpected '" + op + "', expected '" + expected + "'");
                        }
                    }
                    default -> {
                    }
                }
                emit(Token.Kind.OPERATOR, op, op, pos);
                pos += op.length();
                return;
            }
        }
        throw error("unexpected char " + PyValues.repr(String.valueOf(src.charAt(pos))) + " at " + pos);
    }
}
