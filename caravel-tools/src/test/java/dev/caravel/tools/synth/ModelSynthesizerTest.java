package dev.caravel.tools.synth;

import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import dev.caravel.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelSynthesizerTest {

    private static ModelSynthesizer.Options opts(long seed) {
        return new ModelSynthesizer.Options(seed, 2, null);
    }

    @ParameterizedTest
    @EnumSource(QuantType.class)
    void tinyModelOfEveryTypeLoadsAndGenerates(QuantType type, @TempDir Path dir) throws IOException {
        for (SynthPreset preset : List.of(SynthPreset.TEST_TINY, SynthPreset.TEST_TINY_QWEN2)) {
            Path out = dir.resolve(preset.name() + "-" + type + ".gguf");
            ModelSynthesizer.Result r = ModelSynthesizer.synthesize(preset, type, out, opts(7));
            assertThat(r.parameters()).isEqualTo(preset.parameters());
            try (LoadedModel m = LoadedModel.open(out)) {
                assertThat(m.model().config().vocabSize()).isEqualTo(1000);
                assertThat(m.file().meta().requireLong("general.file_type")).isEqualTo(type.fileType());
                int[] prompt = m.tokenizer().encode("Hello world, 你好", false, false);
                GenerationResult g = m.generator().generate(m.newSequence(64), prompt,
                        GenerationRequest.of(3, SamplingParams.greedy()), (p, t) -> true);
                assertThat(g.tokens()).hasSizeBetween(1, 3);
            }
        }
    }

    @Test
    void typesFollowTheQuantizerRules(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("t.gguf");
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY, QuantType.Q4_K_M, out, opts(1));
        try (GgufFile f = GgufFile.open(out)) {
            // rows of 64: Q4_K falls back to Q5_0, Q6_K to Q8_0; ffn_down rows of 256 keep K-quants
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q5_0);
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.Q4_K);
            assertThat(f.tensor("blk.1.ffn_down.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("blk.0.attn_norm.weight").type()).isEqualTo(GgmlType.F32);
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY, QuantType.Q8_0, a, new ModelSynthesizer.Options(42, 1, null));
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY, QuantType.Q8_0, b, new ModelSynthesizer.Options(42, 4, null));
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY, QuantType.Q8_0, c, opts(43));
        assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
        try (GgufFile fa = GgufFile.open(a); GgufFile fc = GgufFile.open(c)) {
            GgufTensorInfo ta = fa.tensor("blk.0.attn_q.weight");
            assertThat(fa.tensorData(ta).mismatch(fc.tensorData(fc.tensor(ta.name())))).isNotEqualTo(-1L);
        }
    }

    @Test
    void directTypeEqualsF32ThenQuantize(@TempDir Path dir) throws IOException {
        Path f32 = dir.resolve("f32.gguf");
        Path direct = dir.resolve("direct.gguf");
        Path quantized = dir.resolve("quantized.gguf");
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY_QWEN2, QuantType.F32, f32, opts(5));
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY_QWEN2, QuantType.Q4_K_M, direct, opts(5));
        ModelQuantizer.quantize(f32, quantized, QuantType.Q4_K_M, ModelQuantizer.Options.defaults());
        try (GgufFile d = GgufFile.open(direct); GgufFile q = GgufFile.open(quantized)) {
            assertThat(d.tensors().keySet()).containsExactlyInAnyOrderElementsOf(q.tensors().keySet());
            for (GgufTensorInfo t : d.tensors().values()) {
                GgufTensorInfo u = q.tensor(t.name());
                assertThat(u.type()).as(t.name()).isEqualTo(t.type());
                assertThat(d.tensorData(t).mismatch(q.tensorData(u))).as(t.name()).isEqualTo(-1L);
            }
        }
    }

    @Test
    void weightsHaveTheIntendedScale(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("f32.gguf");
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY, QuantType.F32, out, opts(3));
        try (GgufFile f = GgufFile.open(out)) {
            float[] q = f.tensorData(f.tensor("blk.0.attn_q.weight")).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            double mean = 0;
            double sq = 0;
            for (float v : q) {
                mean += v;
                sq += v * v;
            }
            mean /= q.length;
            assertThat(Math.abs(mean)).isLessThan(0.002);
            assertThat(Math.sqrt(sq / q.length)).isBetween(0.019, 0.021);
            float[] norm = f.tensorData(f.tensor("blk.0.attn_norm.weight")).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            for (float v : norm) {
                assertThat(v).isBetween(0.9f, 1.1f);
            }
        }
    }

    @Test
    void tokenizerRoundTripsTextAndChatTemplateWorks(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("t.gguf");
        ModelSynthesizer.synthesize(SynthPreset.TEST_TINY_QWEN2, QuantType.Q8_0, out, opts(1));
        try (LoadedModel m = LoadedModel.open(out)) {
            Tokenizer tok = m.tokenizer();
            String text = "The quick brown fox, 12345!\n\tÜber 🙂";
            int[] ids = tok.encode(text, false, false);
            assertThat(tok.decode(ids)).isEqualTo(text);
            assertThat(tok.encode("<|im_start|>user", false, true)[0]).isEqualTo(998);
            assertThat(tok.eos()).isEqualTo(999);
            String prompt = m.chat().render(List.of(ChatMessage.of("user", "hi")), true, java.util.Map.of());
            assertThat(prompt).isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        }
    }

    @Test
    void vocabularyIsConsistentAndRealisticAtFullSize() {
        ByteLevelVocab v = ByteLevelVocab.build(151936, ModelSynthesizer.SPECIALS);
        assertThat(v.tokens()).hasSize(151936).doesNotHaveDuplicates();
        assertThat(v.merges()).hasSize(151936 - 256 - 3);
        java.util.Set<String> seen = new java.util.HashSet<>(v.tokens().subList(0, 256));
        for (int i = 0; i < v.merges().size(); i++) {
            String[] parts = v.merges().get(i).split(" ", -1);
            boolean ok = parts.length == 2 && seen.contains(parts[0]) && seen.contains(parts[1])
                    && v.tokens().get(256 + i).equals(parts[0] + parts[1]);
            assertThat(ok).as("merge %d '%s'", i, v.merges().get(i)).isTrue();
            seen.add(parts[0] + parts[1]);
        }
        assertThat(v.tokens()).contains(ByteLevelVocab.encode(" the"), ByteLevelVocab.encode("你"), ByteLevelVocab.encode("。"));
        assertThat(v.types()[151935]).isEqualTo(ByteLevelVocab.CONTROL);
        assertThat(v.types()[1000]).isEqualTo(ByteLevelVocab.NORMAL);
    }

    @Test
    void unknownPresetsAndTinyVocabulariesAreRejected() {
        assertThatThrownBy(() -> SynthPreset.named("gpt-5")).hasMessageContaining("smollm2-135m");
        assertThatThrownBy(() -> ByteLevelVocab.build(100, ModelSynthesizer.SPECIALS)).hasMessageContaining("at least 259");
    }
}
