package dev.caravel.tokenizer;

/**
 * llama.cpp's hand-written equivalents of the most common pre-tokenizer regexes.
 *
 * <p>llama.cpp does not run the GPT-2 and Llama-3 patterns through a regex engine: it recognizes
 * them by their exact text and runs these scanners instead. Their behaviour defines the reference
 * token ids (including their small departures from the regexes they imitate), so each scanner here
 * follows llama.cpp's decision order step by step. Positions are code point indices; a position
 * outside the current segment reads as "no character" (flags 0, code point -1).
 */
final class CustomSplitters {
    enum Kind {
        GPT2, LLAMA3,
        /** Llama-3's rules with single-digit numbers; llama.cpp ran this one as a regex, which it equals. */
        QWEN2,
        KIMI_K2, AFMOE_DIGITS,
        /** EXAONE-MoE's regex, whose nested groups would overflow java.util.regex's stack on long words. */
        EXAONE_MOE,
        /** {@code \d{1,3}(?=(?:\d{3})*\b)} and {@code (?=(\d{3})+(?!\d))}: quadratic as regexes. */
        DIGITS_GROUPED_FROM_RIGHT, DIGIT_GROUP_SPLITS
    }

    private CustomSplitters() {
    }

    /** Splits every segment of {@code segments} (lengths over {@code cps}) and returns the new lengths. */
    static IntList split(Kind kind, int[] cps, IntList segments) {
        IntList out = new IntList(segments.size() * 4);
        int start = 0;
        for (int s = 0; s < segments.size(); s++) {
            int end = start + segments.get(s);
            Scanner scanner = new Scanner(cps, start, end, out);
            switch (kind) {
                case GPT2 -> scanner.gpt2();
                case LLAMA3 -> scanner.llama3(3);
                case QWEN2 -> scanner.llama3(1);
                case KIMI_K2 -> scanner.kimiK2();
                case AFMOE_DIGITS -> scanner.afmoeDigits();
                case EXAONE_MOE -> scanner.exaoneMoe();
                case DIGITS_GROUPED_FROM_RIGHT -> scanner.digitsGroupedFromRight();
                case DIGIT_GROUP_SPLITS -> scanner.digitGroupSplits();
            }
            start = end;
        }
        return out;
    }

    private static final class Scanner {
        private static final int OUT_OF_RANGE = -1;
        private final int[] cps;
        private final int ini;
        private final int end;
        private final IntList out;
        private int prevEnd;

        Scanner(int[] cps, int ini, int end, IntList out) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.out = out;
            this.prevEnd = ini;
        }

        private int cpt(int pos) {
            return pos >= ini && pos < end ? cps[pos] : OUT_OF_RANGE;
        }

        private int flags(int pos) {
            return pos >= ini && pos < end ? UnicodeData.flags(cps[pos]) : 0;
        }

        /** Closes the current word at {@code to}; returns its length (0 words are not emitted). */
        private int emit(int to) {
            int len = to - prevEnd;
            if (len > 0) {
                out.add(len);
            }
            prevEnd = to;
            return len;
        }

        private static boolean letter(int f) {
            return (f & UnicodeData.LETTER) != 0;
        }

        private static boolean number(int f) {
            return (f & UnicodeData.NUMBER) != 0;
        }

        private static boolean space(int f) {
            return (f & UnicodeData.WHITESPACE) != 0;
        }

        /** Neither whitespace, letter nor number, and inside the segment. */
        private static boolean other(int f) {
            return (f & (UnicodeData.WHITESPACE | UnicodeData.LETTER | UnicodeData.NUMBER)) == 0 && f != 0;
        }

        private boolean isNewline(int cp) {
            return cp == '\r' || cp == '\n';
        }

        /**
         * The length of an English contraction ('s 't 'm 'd 're 've 'll) starting at {@code pos}, or 0.
         * llama.cpp's GPT-2 scanner matches lower case only, the Llama-3 family any case.
         */
        private int contraction(int pos, boolean anyCase) {
            if (cpt(pos) != '\'' || pos + 1 >= end) {
                return 0;
            }
            int next = anyCase ? UnicodeData.toLower(cpt(pos + 1)) : cpt(pos + 1);
            if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                return 2;
            }
            if (pos + 2 < end) {
                int nextNext = anyCase ? UnicodeData.toLower(cpt(pos + 2)) : cpt(pos + 2);
                if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                    return 3;
                }
            }
            return 0;
        }

        /** Trailing whitespace: {@code \s*[\r\n]+}, {@code \s+(?!\S)}, {@code \s+}; false if none at pos. */
        private int whitespaceRun(int pos, boolean newlineRule) {
            int count = 0;
            int lastNewlineEnd = 0;
            while (space(flags(pos + count))) {
                if (isNewline(cpt(pos + count))) {
                    lastNewlineEnd = pos + count + 1;
                }
                count++;
            }
            if (newlineRule && lastNewlineEnd > 0) {
                return lastNewlineEnd;
            }
            if (count > 1 && cpt(pos + count) != OUT_OF_RANGE) {
                return pos + count - 1; // leave the last space to prefix the next word
            }
            return count > 0 ? pos + count : -1;
        }

        /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} */
        void gpt2() {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int c = contraction(pos, false);
                if (c > 0) {
                    pos += emit(pos + c);
                    continue;
                }
                int f2 = cpt == ' ' ? flags(pos + 1) : flags(pos);
                if (letter(f2) || number(f2) || other(f2)) {
                    int kind = letter(f2) ? 0 : number(f2) ? 1 : 2;
                    pos += cpt == ' ' ? 1 : 0;
                    while (kind == 0 ? letter(f2) : kind == 1 ? number(f2) : other(f2)) {
                        f2 = flags(++pos);
                    }
                    emit(pos);
                    continue;
                }
                int wsEnd = whitespaceRun(pos, false);
                if (wsEnd >= 0) {
                    pos = wsEnd;
                    emit(pos);
                    continue;
                }
                emit(++pos);
            }
        }

        /**
         * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
         */
        void llama3(int maxDigits) {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int flags = flags(pos);
                int c = contraction(pos, true);
                if (c > 0) {
                    pos += emit(pos + c);
                    continue;
                }
                if (!(isNewline(cpt) || number(flags)) && (letter(flags) || letter(flags(pos + 1)))) {
                    pos++;
                    while (letter(flags(pos))) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                if (number(flags)) {
                    pos = digits(pos, maxDigits);
                    continue;
                }
                // llama.cpp tests the current flags (not the look-ahead ones) for "in range" here
                int f2 = cpt == ' ' ? flags(pos + 1) : flags;
                if ((f2 & (UnicodeData.WHITESPACE | UnicodeData.LETTER | UnicodeData.NUMBER)) == 0 && flags != 0) {
                    pos = punctuationRun(pos, cpt, f2);
                    continue;
                }
                int wsEnd = whitespaceRun(pos, true);
                if (wsEnd >= 0) {
                    pos = wsEnd;
                    emit(pos);
                    continue;
                }
                emit(++pos);
            }
        }

        /** {@code \p{N}{1,max}} repeated: numbers go out in groups of {@code max} digits. */
        private int digits(int pos, int max) {
            int groupStart = pos;
            while (number(flags(pos))) {
                if (++pos - groupStart >= max) {
                    emit(pos);
                    groupStart = pos;
                }
            }
            emit(pos);
            return pos;
        }

        /** {@code  ?[^\s\p{L}\p{N}]+[\r\n]*} from {@code pos}, given the flags after the optional space. */
        private int punctuationRun(int pos, int cpt, int f2) {
            pos += cpt == ' ' ? 1 : 0;
            while (other(f2)) {
                f2 = flags(++pos);
            }
            while (isNewline(cpt(pos))) {
                pos++;
            }
            emit(pos);
            return pos;
        }

        /**
         * Kimi-K2: {@code [\p{Han}]+}, then Llama-3 style rules where letters exclude Han and words may
         * end in a contraction.
         */
        void kimiK2() {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int flags = flags(pos);
                if (UnicodeData.isHan(cpt)) {
                    while (UnicodeData.isHan(cpt(pos))) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                boolean leadable = !(isNewline(cpt) || letter(flags) || number(flags));
                boolean letterWord = (letter(flags) && !UnicodeData.isHan(cpt))
                        || (leadable && letter(flags(pos + 1)) && !UnicodeData.isHan(cpt(pos + 1)));
                if (letterWord) {
                    int wordEnd = kimiWord(pos, leadable);
                    if (wordEnd >= 0) {
                        pos = wordEnd;
                        emit(pos);
                        continue;
                    }
                }
                if (number(flags)) {
                    pos = digits(pos, 3);
                    continue;
                }
                int f2 = cpt == ' ' ? flags(pos + 1) : flags;
                if (other(f2)) {
                    pos = punctuationRun(pos, cpt, f2);
                    continue;
                }
                int wsEnd = whitespaceRun(pos, true);
                if (wsEnd >= 0) {
                    pos = wsEnd;
                    emit(pos);
                    continue;
                }
                emit(++pos);
            }
        }

        private boolean nonHanLetter(int pos) {
            return letter(flags(pos)) && !UnicodeData.isHan(cpt(pos));
        }

        /** The end of a Kimi-K2 letter word starting at {@code pos}, or -1 when there is none. */
        private int kimiWord(int pos, boolean leadable) {
            if (leadable) {
                pos++;
            }
            boolean hasLetters = false;
            while (nonHanLetter(pos)) {
                hasLetters = true;
                pos++;
            }
            if (!hasLetters) {
                return -1;
            }
            int c = contraction(pos, true);
            return pos + c;
        }

        /** AFMoE: digit runs split into a leading group of (length mod 3) then groups of three. */
        void afmoeDigits() {
            for (int pos = ini; pos < end; ) {
                if (!number(flags(pos))) {
                    pos++;
                    continue;
                }
                int digitStart = pos;
                while (pos < end && number(flags(pos))) {
                    pos++;
                }
                int count = pos - digitStart;
                int current = digitStart;
                if (count % 3 > 0) {
                    current += count % 3;
                    emit(current);
                }
                while (current < digitStart + count) {
                    current += 3;
                    emit(current);
                }
            }
            if (prevEnd < end) {
                emit(end);
            }
        }

        /**
         * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}
         * | ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+}: words may continue across single spaces.
         */
        void exaoneMoe() {
            for (int pos = ini; pos < end; ) {
                int cpt = cpt(pos);
                int flags = flags(pos);
                int c = contraction(pos, true);
                if (c > 0) {
                    pos += emit(pos + c);
                    continue;
                }
                boolean leadable = !(isNewline(cpt) || letter(flags) || number(flags));
                if (letter(flags) || (leadable && letter(flags(pos + 1)))) {
                    pos = exaoneWord(leadable ? pos + 1 : pos);
                    emit(pos);
                    continue;
                }
                if (number(flags)) {
                    emit(++pos);
                    continue;
                }
                int f2 = cpt == ' ' ? flags(pos + 1) : flags;
                if (other(f2)) {
                    pos += cpt == ' ' ? 1 : 0;
                    while (other(flags(pos))) {
                        pos++;
                    }
                    if (isNewline(cpt(pos))) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                int wsEnd = whitespaceRun(pos, true);
                if (wsEnd >= 0) {
                    pos = wsEnd;
                    emit(pos);
                    continue;
                }
                emit(++pos);
            }
        }

        /** Letters with their marks, continuing over a single space that is followed by a letter. */
        private int exaoneWord(int pos) {
            while (true) {
                if (letter(flags(pos))) {
                    pos++;
                } else if (cpt(pos) == ' ' && letter(flags(pos + 1))) {
                    pos += 2;
                } else {
                    return pos;
                }
                while ((flags(pos) & UnicodeData.ACCENT_MARK) != 0) {
                    pos++;
                }
            }
        }

        private boolean asciiDigit(int pos) {
            int cp = cpt(pos);
            return cp >= '0' && cp <= '9';
        }

        /**
         * {@code \d{1,3}(?=(?:\d{3})*\b)}: an ASCII digit run that ends at a word boundary is cut into
         * groups of three counted from its end; a run followed by a letter or '_' stays unmatched.
         */
        void digitsGroupedFromRight() {
            for (int pos = ini; pos < end; ) {
                if (!asciiDigit(pos)) {
                    pos++;
                    continue;
                }
                int runEnd = pos;
                while (runEnd < end && asciiDigit(runEnd)) {
                    runEnd++;
                }
                int after = cpt(runEnd);
                boolean boundary = !(after == '_' || (after >= '0' && after <= '9')
                        || (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z'));
                if (boundary) {
                    emit(pos);
                    for (int p = pos + (runEnd - pos - 1) % 3 + 1; p <= runEnd; p += 3) {
                        emit(p);
                    }
                }
                pos = runEnd;
            }
            emit(end);
        }

        /** {@code (?=(\d{3})+(?!\d))}: empty matches that cut ASCII digit runs into threes from the right. */
        void digitGroupSplits() {
            for (int pos = ini; pos < end; ) {
                if (!asciiDigit(pos)) {
                    pos++;
                    continue;
                }
                int runEnd = pos;
                while (runEnd < end && asciiDigit(runEnd)) {
                    runEnd++;
                }
                for (int p = pos + (runEnd - pos) % 3; p + 3 <= runEnd; p += 3) {
                    emit(p);
                }
                pos = runEnd;
            }
            emit(end);
        }
    }
}
