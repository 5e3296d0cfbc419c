package dev.caravel.tokenizer;

import java.util.Arrays;

/**
 * llama.cpp's {@code clean_up_tokenization_spaces} for detokenized text (GPT-2 style vocabularies):
 * removes the space before {@code ? ! . ,}, the spaces around a lone apostrophe, and the space
 * before the contractions {@code 's 'm 're 've}.
 *
 * <p>The three passes work in place on the bytes, exactly as llama.cpp's loops do (a later pass
 * may read a byte an earlier step of the same pass overwrote), so the results agree byte for byte.
 */
final class SpaceCleaner {
    private SpaceCleaner() {
    }

    static byte[] clean(byte[] input) {
        byte[] text = input.clone();
        int total = text.length;

        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }

        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return Arrays.copyOf(text, total);
    }
}
