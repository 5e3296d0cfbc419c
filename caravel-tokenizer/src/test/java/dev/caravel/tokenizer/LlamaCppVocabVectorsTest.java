package dev.caravel.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's test-tokenizer-0 vectors: every input tokenized without BOS/EOS and without parsing
 * special tokens must give exactly llama.cpp's ids.
 */
class LlamaCppVocabVectorsTest {

    @TestFactory
    Stream<DynamicTest> ggufVocabularies() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("bert-bge", "gpt-2", "llama-spm", "phi-3")) {
            Path gguf = TestData.tokenizerVectors().resolve("ggml-vocab-" + name + ".gguf");
            tests.addAll(casesFor(name, () -> TestData.gguf(gguf), gguf));
        }
        return tests.stream();
    }

    /** Qwen2's vectors, run on Qwen3's tokenizer.json (same vocabulary and merges). */
    @TestFactory
    Stream<DynamicTest> qwen2FromTokenizerJson() {
        Path base = TestData.tokenizerVectors().resolve("ggml-vocab-qwen2.gguf");
        return casesFor("qwen2", TestData::qwen3, base).stream();
    }

    static List<DynamicTest> casesFor(String name, java.util.function.Supplier<Tokenizer> tokenizer, Path base) {
        List<DynamicTest> tests = new ArrayList<>();
        Path inp = Path.of(base + ".inp");
        Path out = Path.of(base + ".out");
        int i = 0;
        for (TestData.Case c : TestData.readCases(inp, out)) {
            int index = i++;
            tests.add(DynamicTest.dynamicTest(name + " #" + index + " " + c, () ->
                    assertThat(tokenizer.get().encode(c.text(), false, false)).as("ids of %s", c).containsExactly(c.ids())));
        }
        return tests;
    }
}
