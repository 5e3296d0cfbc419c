package dev.caravel.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Every llama.cpp pre-tokenizer type: sane splits, long inputs, known splits of a few types. */
class PreTokenizerTypesTest {
    private static final String[] LONG_INPUTS = {"a".repeat(100_000), "中".repeat(100_000), " ".repeat(100_000) + "x",
        "1".repeat(100_000), "!".repeat(100_000), "a\u0301".repeat(50_000), "ab cd ".repeat(20_000), "\t \n".repeat(30_000)};

    private static List<String> words(PreTokenizer type, String text) {
        int[] cps = text.codePoints().toArray();
        IntList lengths = RegexSplitter.llama(type.regexes()).split(cps);
        List<String> words = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            words.add(new String(cps, start, lengths.get(i)));
            start += lengths.get(i);
        }
        return words;
    }

    /** Long inputs finish quickly, on an ordinary 1 MB thread stack, and lose nothing. */
    @ParameterizedTest
    @EnumSource(PreTokenizer.class)
    void longInputs(PreTokenizer type) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                for (String text : LONG_INPUTS) {
                    long start = System.nanoTime();
                    assertThat(String.join("", words(type, text))).isEqualTo(text);
                    assertThat((System.nanoTime() - start) / 1_000_000).as("ms for %s...", text.substring(0, 3)).isLessThan(3_000);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "pre-tokenizer-" + type, 1 << 20);
        thread.start();
        thread.join();
        assertThat(failure.get()).isNull();
    }

    @ParameterizedTest
    @EnumSource(PreTokenizer.class)
    void mixedTextIsCoveredExactly(PreTokenizer type) {
        String text = "Hello World! I'm here, y'all: 1234567 a.b   \n\n\tΩμέγα 你好世界 こんにちは 한국어 😀🚀 <sentinel:3> IMGIMGABZ";
        List<String> words = words(type, text);
        assertThat(String.join("", words)).isEqualTo(text);
        assertThat(words).doesNotContain("");
    }

    @Test
    void knownSplits() {
        assertThat(words(PreTokenizer.GPT2, "Hello world's 123")).containsExactly("Hello", " world", "'s", " 123");
        assertThat(words(PreTokenizer.LLAMA3, "Hello WORLD'S 12345\n\n")).containsExactly("Hello", " WORLD", "'S", " ", "123", "45", "\n\n");
        assertThat(words(PreTokenizer.QWEN2, "ab 123")).containsExactly("ab", " ", "1", "2", "3");
        // Tekken and GPT-4o split at lower-to-upper case changes
        assertThat(words(PreTokenizer.TEKKEN, "HelloWorld")).containsExactly("Hello", "World");
        assertThat(words(PreTokenizer.GPT4O, "HelloWorld I'm")).containsExactly("Hello", "World", " I'm");
        assertThat(words(PreTokenizer.SUPERBPE, "x1234567")).containsExactly("x", "1", "234", "567");
        assertThat(words(PreTokenizer.AFMOE, "1234567")).containsExactly("1", "234", "567");
        assertThat(words(PreTokenizer.TINY_AYA, "1234567 ")).containsExactly("1", "234", "567", " ");
        assertThat(words(PreTokenizer.KIMI_K2, "你好world")).containsExactly("你好", "world");
        // each later regex splits every piece again, matches of earlier ones included (as in llama.cpp)
        assertThat(words(PreTokenizer.CHAMELEON, "<sentinel:12>x")).containsExactly("<", "sentinel", ":", "1", "2", ">", "x");
        assertThat(words(PreTokenizer.DEEPSEEK_CODER, "ab\ncd")).containsExactly("ab", "\n", "cd");
        assertThat(words(PreTokenizer.EXAONE_MOE, "hello world, ok")).containsExactly("hello world", ",", " ok");
        assertThat(words(PreTokenizer.PORO, "a, b.")).containsExactly("a", ",", " b", ".");
    }

    @Test
    void everyLlamaCppNameResolves() {
        for (String name : List.of("default", "llama-bpe", "llama3", "qwen2", "gpt-2", "deepseek-llm", "deepseek-coder",
                "deepseek-v3", "falcon", "starcoder", "refact", "mpt", "dbrx", "command-r", "chatglm-bpe", "glm4", "smollm",
                "jais", "olmo", "stablelm2", "codeshell", "tekken", "poro-chat", "bloom", "gpt3-finnish", "exaone",
                "chameleon", "minerva-7b", "viking", "superbpe", "bailingmoe", "seed-coder", "hunyuan", "kimi-k2",
                "gpt-4o", "llama4", "smaug-bpe", "megrez", "deepseek-r1-qwen", "trillion", "granite-docling", "qwen35",
                "afmoe", "grok-2", "minimax-m2", "exaone-moe", "tiny_aya", "gemma4", "whitespace", "")) {
            assertThat(PreTokenizer.byName(name)).as(name).isPresent();
        }
        assertThat(PreTokenizer.byName("no-such-pre")).isEmpty();
        assertThat(PreTokenizer.byName("qwen2").orElseThrow().cleanSpaces()).isFalse();
        assertThat(PreTokenizer.byName("gpt-2").orElseThrow().cleanSpaces()).isTrue();
        assertThat(PreTokenizer.byName("llama-bpe").orElseThrow().forceAddBos()).isTrue();
    }
}
