package dev.caravel.tokenizer;

import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufValue;
import dev.caravel.format.gguf.GgufValueType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** llama.cpp's loading rules and clear errors for broken metadata, on small synthetic vocabularies. */
class VocabularyLoadingTest {
    private static final String[] SPM_TOKENS = {"<unk>", "<s>", "</s>", "<|im_end|>", "▁", "a", "b", "▁a", "ab", "▁ab",
        "<0x0A>", "<0x20>"};
    private static final long[] SPM_TYPES = {2, 3, 3, 4, 1, 1, 1, 1, 1, 1, 6, 6};
    private static final double[] SPM_SCORES = {0, 0, 0, 0, -1, -2, -3, -4, -5, -6, 0, 0};

    private static Map<String, GgufValue> spm() {
        Map<String, GgufValue> m = new HashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.scalar(GgufValueType.STRING, "llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, SPM_TOKENS.clone()));
        m.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, SPM_TYPES.clone()));
        m.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, SPM_SCORES.clone()));
        return m;
    }

    private static LlamaTokenizer load(Map<String, GgufValue> m) {
        return Tokenizers.fromGguf(new GgufMetadata("test.gguf", m));
    }

    @Test
    void sentencePieceDefaultsAndOverrides() {
        LlamaTokenizer t = load(spm());
        assertThat(t.bos()).isEqualTo(1);
        assertThat(t.eos()).isEqualTo(2);
        assertThat(t.addsBos()).isTrue();
        assertThat(t.encode("ab a", true, false)).containsExactly(1, 9, 7);
        // <|im_end|> is recognized by its text as end of turn and becomes a control token
        assertThat(t.specialToken(SpecialToken.EOT)).isEqualTo(3);
        assertThat(t.endOfGenerationTokens()).containsExactlyInAnyOrder(2, 3);
        assertThat(t.isControl(3)).isTrue();
        assertThat(t.decode(new int[] {9, 7})).isEqualTo("ab a");

        Map<String, GgufValue> m = spm();
        m.put("tokenizer.ggml.add_bos_token", GgufValue.scalar(GgufValueType.BOOL, false));
        m.put("tokenizer.ggml.add_space_prefix", GgufValue.scalar(GgufValueType.BOOL, false));
        m.put("tokenizer.ggml.padding_token_id", GgufValue.scalar(GgufValueType.UINT32, 4294967295L));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.scalar(GgufValueType.UINT32, 3L));
        LlamaTokenizer noBos = load(m);
        assertThat(noBos.encode("ab a", true, false)).containsExactly(8, 7); // no BOS, no "▁" before "ab"
        assertThat(noBos.specialToken(SpecialToken.PAD)).isEqualTo(-1);
        assertThat(noBos.eos()).isEqualTo(3);
    }

    @Test
    void byteFallbackAndUnknownBytes() {
        LlamaTokenizer t = load(spm());
        // '\n' has a byte token; 'c' has none and no single-char token, so it becomes <unk>
        assertThat(t.encode("a\nc", false, false)).containsExactly(7, 10, 0);
    }

    @Test
    void idsOutsideTheVocabulary() {
        LlamaTokenizer t = load(spm());
        assertThatThrownBy(() -> t.tokenText(12)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("12");
        assertThatThrownBy(() -> t.decode(new int[] {-1})).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(t.tokenId("nope")).isEqualTo(-1);
    }

    @Test
    void clearErrors() {
        Map<String, GgufValue> noModel = spm();
        noModel.remove("tokenizer.ggml.model");
        assertThatThrownBy(() -> load(noModel)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.gguf").hasMessageContaining("tokenizer.ggml.model");

        Map<String, GgufValue> unknown = spm();
        unknown.put("tokenizer.ggml.model", GgufValue.scalar(GgufValueType.STRING, "nonsense"));
        assertThatThrownBy(() -> load(unknown)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nonsense");

        Map<String, GgufValue> t5 = spm();
        t5.put("tokenizer.ggml.model", GgufValue.scalar(GgufValueType.STRING, "t5"));
        assertThatThrownBy(() -> load(t5)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("t5");

        Map<String, GgufValue> bpe = spm();
        bpe.put("tokenizer.ggml.model", GgufValue.scalar(GgufValueType.STRING, "gpt2"));
        bpe.put("tokenizer.ggml.pre", GgufValue.scalar(GgufValueType.STRING, "qwen2"));
        assertThatThrownBy(() -> load(bpe)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("merges");
        bpe.put("tokenizer.ggml.merges", GgufValue.array(GgufValueType.STRING, new String[] {"a b"}));
        bpe.put("tokenizer.ggml.pre", GgufValue.scalar(GgufValueType.STRING, "no-such-pre"));
        assertThatThrownBy(() -> load(bpe)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-pre");

        Map<String, GgufValue> duplicate = spm();
        String[] tokens = SPM_TOKENS.clone();
        tokens[6] = "a";
        duplicate.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, tokens));
        assertThatThrownBy(() -> load(duplicate)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");

        Map<String, GgufValue> shortScores = spm();
        shortScores.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, new double[3]));
        assertThatThrownBy(() -> load(shortScores)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores");

        Map<String, GgufValue> bosMissing = spm();
        bosMissing.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, new String[] {"x"}));
        bosMissing.remove("tokenizer.ggml.token_type");
        bosMissing.remove("tokenizer.ggml.scores");
        assertThatThrownBy(() -> load(bosMissing)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BOS");
    }

    @Test
    void gpt2DecodeCleansSpacesLikeLlamaCpp() {
        LlamaTokenizer gpt2 = TestData.gguf(TestData.tokenizerVectors().resolve("ggml-vocab-gpt-2.gguf"));
        assertThat(gpt2.decode(gpt2.encode("Hello , world ! It 's ok .", false, false))).isEqualTo("Hello, world! It's ok.");
        LlamaTokenizer qwen = TestData.qwen3(); // Qwen keeps spaces as they are
        assertThat(qwen.decode(qwen.encode("Hello , world !", false, false))).isEqualTo("Hello , world !");
    }
}
