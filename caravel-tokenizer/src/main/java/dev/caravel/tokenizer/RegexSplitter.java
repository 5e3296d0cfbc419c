package dev.caravel.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokenizer words as llama.cpp's {@code unicode_regex_split} does.
 *
 * <p>The regexes are applied one after another; each one splits every piece left by the previous
 * one into its matches and the unmatched gaps between them. Three kinds of step exist:
 * <ul>
 *   <li>regexes that llama.cpp recognizes by text and runs as hand-written scanners
 *       ({@link CustomSplitters});</li>
 *   <li>regexes using {@code \p{..}} categories: llama.cpp "collapses" the text to one char per code
 *       point (ASCII kept, other white space as U+000B, every other code point as one byte standing for
 *       its category) and rewrites each category as a class of that byte plus its ASCII members, then
 *       runs an ECMAScript regex. We do the same with java.util.regex, which agrees with ECMAScript
 *       on the constructs these patterns use. The collapse is what makes e.g. {@code [^a-z]} true for
 *       every non-ASCII letter, which some vocabularies (Tekken, GPT-4o) depend on;</li>
 *   <li>other regexes run on the code points, non-ASCII white space again mapped to U+000B.</li>
 * </ul>
 * A {@linkplain #huggingFace Hugging Face} splitter instead runs regexes with full Unicode
 * semantics, for {@code tokenizer.json} patterns that llama.cpp has no equivalent for.
 */
final class RegexSplitter {
    /** Category classes as they appear in collapsed text: the category byte plus its ASCII members. */
    private static final Map<String, String> COLLAPSED_CLASSES = Map.ofEntries(
            Map.entry("\\p{N}", "\\xD10-9"),
            Map.entry("\\p{L}", "\\xD2A-Za-z"),
            Map.entry("\\p{Lu}", "\\xD2A-Za-z"),
            Map.entry("\\p{Ll}", "\\xD2A-Za-z"),
            Map.entry("\\p{Lt}", "\\xD2A-Za-z"),
            Map.entry("\\p{Lm}", "\\xD2A-Za-z"),
            Map.entry("\\p{Lo}", "\\xD2A-Za-z"),
            // the ASCII members are llama.cpp's lists; its \p{S} omits '~' and we keep that for identical splits
            Map.entry("\\p{P}", "\\xD3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"),
            Map.entry("\\p{M}", "\\xD4"),
            Map.entry("\\p{S}", "\\xD5\\$\\+<->\\^`\\|"));

    private static final char COLLAPSED_NUMBER = 0xD1;
    private static final char COLLAPSED_LETTER = 0xD2;
    private static final char COLLAPSED_PUNCTUATION = 0xD3;
    private static final char COLLAPSED_MARK = 0xD4;
    private static final char COLLAPSED_SYMBOL = 0xD5;
    private static final char COLLAPSED_OTHER = 0xD0;

    private static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3_ADAPTED_PATTERN = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** {@code ((?=[X])([^Y]))}: a look-ahead plus one char, which java.util.regex would recurse on. */
    private static final Pattern LOOKAHEAD_CHAR = Pattern.compile(
            "\\(\\(\\?=\\[((?:\\\\.|[^\\]\\\\])*)\\]\\)\\(\\[\\^((?:\\\\.|[^\\]\\\\])*)\\]\\)\\)");

    private sealed interface Step permits Custom, Regex {
    }

    private record Custom(CustomSplitters.Kind kind) implements Step {
    }

    /** {@code collapsed}: run on collapsed text; {@code llamaWhitespace}: map non-ASCII spaces to U+000B. */
    private record Regex(Pattern pattern, boolean collapsed, boolean llamaWhitespace) implements Step {
    }

    private final List<Step> steps;

    private RegexSplitter(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /** A splitter with llama.cpp's semantics for its list of regexes. */
    static RegexSplitter llama(List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String regex : regexes) {
            steps.add(llamaStep(regex));
        }
        return new RegexSplitter(steps);
    }

    /** A splitter that runs regexes with Unicode semantics (for unknown {@code tokenizer.json} patterns). */
    static RegexSplitter huggingFace(List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String regex : regexes) {
            steps.add(new Regex(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS), false, false));
        }
        return new RegexSplitter(steps);
    }

    private static Step llamaStep(String regex) {
        if (regex.equals(GPT2_PATTERN)) {
            return new Custom(CustomSplitters.Kind.GPT2);
        }
        if (regex.equals(LLAMA3_PATTERN) || regex.equals(LLAMA3_ADAPTED_PATTERN)) {
            return new Custom(CustomSplitters.Kind.LLAMA3);
        }
        if (regex.equals(PreTokenizer.Patterns.QWEN2)) {
            return new Custom(CustomSplitters.Kind.QWEN2);
        }
        if (regex.equals(PreTokenizer.EXAONE_MOE.regexes().get(0))) {
            return new Custom(CustomSplitters.Kind.EXAONE_MOE);
        }
        if (regex.equals(PreTokenizer.TINY_AYA.regexes().get(0))) {
            return new Custom(CustomSplitters.Kind.DIGITS_GROUPED_FROM_RIGHT);
        }
        if (regex.equals(PreTokenizer.SUPERBPE.regexes().get(1))) {
            return new Custom(CustomSplitters.Kind.DIGIT_GROUP_SPLITS);
        }
        if (regex.equals("\\p{Han}+")) {
            return new Custom(CustomSplitters.Kind.KIMI_K2);
        }
        if (regex.equals("\\p{AFMoE_digits}")) {
            return new Custom(CustomSplitters.Kind.AFMOE_DIGITS);
        }
        boolean collapsed = COLLAPSED_CLASSES.keySet().stream().anyMatch(regex::contains);
        return new Regex(Pattern.compile(toJava(regex, collapsed)), collapsed, true);
    }

    /**
     * Rewrites an ECMAScript-flavoured llama.cpp regex for java.util.regex: categories become their
     * collapsed classes, {@code [} and {@code &} inside a class are escaped (Java would read nested
     * classes and intersections), {@code $} becomes {@code \z} (Java's {@code $} also matches before a
     * final line break) and look-ahead-plus-char groups become class intersections.
     */
    static String toJava(String regex, boolean collapsed) {
        StringBuilder out = new StringBuilder(regex.length() * 2);
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                if (collapsed && regex.startsWith("\\p{", i)) {
                    int close = regex.indexOf('}', i + 3);
                    String cls = close < 0 ? null : COLLAPSED_CLASSES.get(regex.substring(i, close + 1));
                    if (cls != null) {
                        out.append(inClass ? cls : "[" + cls + "]");
                        i = close;
                        continue;
                    }
                }
                out.append(c).append(regex.charAt(++i));
                continue;
            }
            if (inClass) {
                if (c == ']') {
                    inClass = false;
                    out.append(c);
                } else if (c == '[' || c == '&') {
                    out.append('\\').append(c);
                } else {
                    out.append(c);
                }
                continue;
            }
            if (c == '[') {
                inClass = true;
                out.append(c);
                if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
            } else if (c == '$') {
                out.append("\\z");
            } else {
                out.append(c);
            }
        }
        Matcher m = LOOKAHEAD_CHAR.matcher(out);
        return m.replaceAll(r -> Matcher.quoteReplacement("[" + r.group(1) + "&&[^" + r.group(2) + "]]"));
    }

    /** The word lengths (in code points) of {@code cps}, in order; they sum to {@code cps.length}. */
    IntList split(int[] cps) {
        IntList segments = new IntList();
        if (cps.length > 0) {
            segments.add(cps.length);
        }
        Texts texts = new Texts(cps);
        for (Step step : steps) {
            segments = switch (step) {
                case Custom custom -> CustomSplitters.split(custom.kind(), cps, segments);
                case Regex regex -> splitWithRegex(regex, texts, segments);
            };
        }
        return segments;
    }

    private static IntList splitWithRegex(Regex regex, Texts texts, IntList segments) {
        Texts.View view = regex.collapsed() ? texts.collapsed() : texts.codePoints(regex.llamaWhitespace());
        Matcher m = regex.pattern().matcher(view.text());
        m.useTransparentBounds(false).useAnchoringBounds(true);
        IntList out = new IntList(segments.size() * 4);
        int start = 0;
        for (int s = 0; s < segments.size(); s++) {
            int end = start + segments.get(s);
            int charEnd = view.charIndex(end);
            m.region(view.charIndex(start), charEnd);
            int last = start;
            while (m.find()) {
                int matchStart = view.codePointIndex(m.start());
                int matchEnd = view.codePointIndex(m.end());
                if (matchStart > last) {
                    out.add(matchStart - last);
                }
                if (matchEnd > matchStart) {
                    out.add(matchEnd - matchStart);
                }
                last = matchEnd;
                if (m.end() >= charEnd) {
                    break;
                }
            }
            if (last < end) {
                out.add(end - last);
            }
            start = end;
        }
        return out;
    }

    /** The text forms a regex may run on, built on first use for one input. */
    private static final class Texts {
        private final int[] cps;
        private View collapsed;
        private View llamaCodePoints;
        private View plainCodePoints;

        Texts(int[] cps) {
            this.cps = cps;
        }

        View collapsed() {
            if (collapsed == null) {
                char[] chars = new char[cps.length];
                for (int i = 0; i < cps.length; i++) {
                    chars[i] = collapse(cps[i]);
                }
                collapsed = new View(new String(chars), null, null);
            }
            return collapsed;
        }

        View codePoints(boolean llamaWhitespace) {
            View cached = llamaWhitespace ? llamaCodePoints : plainCodePoints;
            if (cached != null) {
                return cached;
            }
            StringBuilder sb = new StringBuilder(cps.length + 16);
            int[] charIndex = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                charIndex[i] = sb.length();
                int cp = cps[i];
                sb.appendCodePoint(llamaWhitespace && cp > 0x7F && UnicodeData.isWhitespace(cp) ? 0x0B : cp);
            }
            charIndex[cps.length] = sb.length();
            int[] cpIndex = new int[sb.length() + 1];
            for (int i = 0; i <= cps.length; i++) {
                cpIndex[charIndex[i]] = i;
            }
            View view = charIndex[cps.length] == cps.length ? new View(sb.toString(), null, null) : new View(sb.toString(), charIndex, cpIndex);
            if (llamaWhitespace) {
                llamaCodePoints = view;
            } else {
                plainCodePoints = view;
            }
            return view;
        }

        private static char collapse(int cp) {
            if (cp < 0x80) {
                return (char) cp;
            }
            int flags = UnicodeData.flags(cp);
            if ((flags & UnicodeData.WHITESPACE) != 0) {
                return 0x0B;
            }
            return switch (flags & UnicodeData.CATEGORY_MASK) {
                case UnicodeData.NUMBER -> COLLAPSED_NUMBER;
                case UnicodeData.LETTER -> COLLAPSED_LETTER;
                case UnicodeData.PUNCTUATION -> COLLAPSED_PUNCTUATION;
                case UnicodeData.ACCENT_MARK -> COLLAPSED_MARK;
                case UnicodeData.SYMBOL -> COLLAPSED_SYMBOL;
                default -> COLLAPSED_OTHER;
            };
        }

        /** A string plus the maps between its char indices and code point indices (null: identical). */
        record View(String text, int[] charIndexOfCodePoint, int[] codePointIndexOfChar) {
            int charIndex(int codePointIndex) {
                return charIndexOfCodePoint == null ? codePointIndex : charIndexOfCodePoint[codePointIndex];
            }

            int codePointIndex(int charIndex) {
                return codePointIndexOfChar == null ? charIndex : codePointIndexOfChar[charIndex];
            }
        }
    }
}
