package dev.caravel.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written scanners must split exactly as the regexes they stand for, run the way llama.cpp
 * runs regexes (collapsed categories). Random short strings over an alphabet of the interesting
 * classes: letters, digits, apostrophes, ASCII and Unicode white space, newlines, CJK, marks, emoji.
 */
class CustomSplittersEquivalenceTest {
    private static final int[] ALPHABET = {'a', 'B', 'z', '1', '9', ' ', ' ', ' ', '\n', '\r', '\t', '\'', 's', 't', 'S',
        'l', 'e', '!', '.', '~', '$', '0', '5', '_', '/', 0x0301, 0x0301, 0xE9, 0x4E2D, 0x0663, 0x3000, 0xA0, 0x1F600, 0x0301, 0x2028, 0xFFFD, 0x0E01, 0x0085};

    @ParameterizedTest
    @CsvSource({"GPT2", "LLAMA3", "QWEN2", "EXAONE_MOE", "TINY_AYA", "SUPERBPE"})
    void scannerEqualsRegex(String which) {
        String pattern = switch (which) {
            case "GPT2" -> PreTokenizer.Patterns.GPT2;
            case "LLAMA3" -> PreTokenizer.Patterns.LLAMA3;
            case "QWEN2" -> PreTokenizer.Patterns.QWEN2;
            case "EXAONE_MOE" -> PreTokenizer.EXAONE_MOE.regexes().get(0);
            case "TINY_AYA" -> PreTokenizer.TINY_AYA.regexes().get(0);
            default -> PreTokenizer.SUPERBPE.regexes().get(1);
        };
        RegexSplitter scanner = RegexSplitter.llama(List.of(pattern));
        // wrapped, the text no longer matches the scanner's trigger, so the regex engine runs it
        // (GPT-2's scanner also takes the \s+ that llama.cpp's pattern text leaves out)
        RegexSplitter regex = RegexSplitter.llama(List.of("(?:" + pattern + (which.equals("GPT2") ? "|\\s+" : "") + ")"));
        Random random = new Random(20250220);
        for (int iteration = 0; iteration < 100_000; iteration++) {
            int[] cps = new int[1 + random.nextInt(10)];
            for (int i = 0; i < cps.length; i++) {
                cps[i] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
            if (which.equals("TINY_AYA") && java.util.Arrays.stream(cps).anyMatch(c -> c == 0x0301)) {
                continue; // java.util.regex's \b joins a combining mark to the word before it; C++'s (llama.cpp) does not
            }
            assertThat(scanner.split(cps).toArray()).as("split of %s", new String(cps, 0, cps.length))
                    .containsExactly(regex.split(cps).toArray());
        }
    }
}
