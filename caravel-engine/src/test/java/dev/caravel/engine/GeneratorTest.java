package dev.caravel.engine;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratorTest {
    static final Path MODEL = Path.of(System.getProperty("caravel.shared", "../../shared"), "models", "stories260K.gguf");

    @Test
    void streamedPiecesConcatenateToTheResultText() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            Sequence seq = m.newSequence(256);
            List<String> pieces = new ArrayList<>();
            GenerationResult r = m.generator().generate(seq, m.tokenizer().encode("Once upon a time"),
                    GenerationRequest.of(50, SamplingParams.greedy()), (p, t) -> pieces.add(p));
            assertThat(String.join("", pieces)).isEqualTo(r.text());
            assertThat(r.tokens()).hasSize(50);
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.text()).startsWith(", there was a little girl named Lily.");
        }
    }

    @Test
    void cachedPrefixIsReusedAndGivesTheSameLogits() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            int[] prompt = m.tokenizer().encode("Once upon a time, there was a dog");
            Sequence fresh = m.newSequence(128);
            fresh.prefill(prompt, null);
            float[] expected = fresh.lastLogits().clone();

            Sequence reused = m.newSequence(128);
            reused.prefill(m.tokenizer().encode("Once upon a time, there was a cat"), null);
            int reusedTokens = reused.prefill(prompt, null);
            assertThat(reusedTokens).isGreaterThan(5);
            assertThat(reused.lastLogits()).containsExactly(expected);
        }
    }

    @Test
    void listenerCanCancel() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            int[] count = {0};
            GenerationResult r = m.generator().generate(m.newSequence(256), m.tokenizer().encode("Once upon a time"),
                    GenerationRequest.of(100, SamplingParams.greedy()), (p, t) -> ++count[0] < 3);
            assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(r.tokens().length).isLessThan(10);
        }
    }

    @Test
    void promptLongerThanContextIsRejectedWithBothNumbers() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            int[] prompt = m.tokenizer().encode("Once upon a time ".repeat(20));
            assertThatThrownBy(() -> m.generator().generate(m.newSequence(16), prompt, GenerationRequest.of(5, SamplingParams.greedy()), null))
                    .isInstanceOf(ContextOverflowException.class)
                    .hasMessageContaining(prompt.length + " tokens").hasMessageContaining("only 16");
        }
    }

    @Test
    void generationStopsAtContextEnd() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            GenerationResult r = m.generator().generate(m.newSequence(20), m.tokenizer().encode("Once upon a time"),
                    GenerationRequest.of(-1, SamplingParams.greedy()), null);
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.promptTokens() + r.tokens().length).isLessThanOrEqualTo(20);
        }
    }
}
