package dev.caravel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Qwen3's tokenizer.json against the reference tokenization made with a port of HF tokenizers. */
class Qwen3TokenizerJsonTest {

    @TestFactory
    Stream<DynamicTest> referenceTokenization() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(TestData.shared().resolve("tokenizers/qwen3/reference_tokenization.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode e : ref.path("encodings")) {
            String text = e.path("text").asText();
            int[] ids = LlamaCppReferenceTest.ints(e.path("ids"));
            tests.add(DynamicTest.dynamicTest(text, () -> {
                // HF tokenizers recognize special tokens in text; Qwen adds no BOS
                int[] actual = TestData.qwen3().encode(text, true, true);
                assertThat(actual).containsExactly(ids);
                assertThat(TestData.qwen3().decode(actual, false, true)).isEqualTo(text);
            }));
        }
        JsonNode chat = ref.path("chat");
        tests.add(DynamicTest.dynamicTest("rendered chat template", () -> assertThat(
                TestData.qwen3().encode(chat.path("qwen25_template_rendered").asText(), true, true))
                .containsExactly(LlamaCppReferenceTest.ints(chat.path("qwen25_ids")))));
        return tests.stream();
    }

    @Test
    void vocabularyAndSpecialTokens() {
        LlamaTokenizer qwen = TestData.qwen3();
        assertThat(qwen.vocabSize()).isEqualTo(151669);
        assertThat(qwen.vocabType()).isEqualTo(VocabType.BPE);
        assertThat(qwen.preTokenizer()).contains("qwen2");
        assertThat(qwen.addsBos()).isFalse();
        assertThat(qwen.eos()).isEqualTo(151645);
        assertThat(qwen.tokenText(151645)).isEqualTo("<|im_end|>");
        assertThat(qwen.endOfGenerationTokens()).contains(151643, 151645);
        assertThat(qwen.isEndOfGeneration(151645)).isTrue();
        assertThat(qwen.isControl(151644)).isTrue();
        assertThat(qwen.tokenType(151667)).isEqualTo(TokenType.USER_DEFINED); // <think>
        assertThat(qwen.isSpecial(151667)).isTrue();
        assertThat(qwen.isControl(151667)).isFalse();
        assertThat(qwen.chatTemplate()).hasValueSatisfying(t -> assertThat(t).contains("<|im_start|>"));
        assertThat(qwen.specialToken(SpecialToken.NEWLINE)).isEqualTo(198);
    }

    @Test
    void controlTokensAreTextUnlessParsed() {
        LlamaTokenizer qwen = TestData.qwen3();
        assertThat(qwen.encode("<|im_end|>", false, true)).containsExactly(151645);
        assertThat(qwen.encode("<|im_end|>", false, false)).hasSizeGreaterThan(1).doesNotContain(151645);
        // user-defined tokens are always matched, as in llama.cpp
        assertThat(qwen.encode("a<think>b", false, false)).contains(151667);
    }

    @Test
    void decodeHidesControlTokensUnlessAsked() {
        LlamaTokenizer qwen = TestData.qwen3();
        int[] ids = qwen.encode("<|im_start|>user\nhi<|im_end|>", false, true);
        assertThat(qwen.decode(ids)).isEqualTo("user\nhi");
        assertThat(qwen.decode(ids, false, true)).isEqualTo("<|im_start|>user\nhi<|im_end|>");
        assertThat(new String(qwen.tokenBytes(151645), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("<|im_end|>");
        assertThat(qwen.tokenPiece(151645, false)).isEmpty();
    }
}
