package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.Architectures;
import dev.caravel.model.EmbeddingModel;
import dev.caravel.model.PoolingType;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BERT through export and convert: the hand-checked {@code bert.gguf} of caravel-model comes back
 * with the same tensors, vocabulary, metadata and embeddings, and its exported tokenizer files
 * tokenize as the GGUF does.
 */
class BertConvertTest {
    /** Sentences for the embedding comparison: words, sub-words, punctuation, CJK (→ [UNK] here), casing. */
    static final List<String> SENTENCES = List.of("hello world", "The cat sat on the mat.", "playing dogs ran",
            "你好，世界", "Hello, World! played");

    /**
     * The ids Hugging Face's {@code tokenizers} 0.23.2 gives for {@link #SENTENCES} with the exported
     * tokenizer.json ({@code Tokenizer.from_file(...).encode(s).ids}).
     */
    static final int[][] HF_IDS = {{2, 62, 63, 3}, {2, 57, 58, 59, 60, 57, 61, 70, 3}, {2, 66, 67, 64, 49, 22, 31, 44, 3},
            {2, 1, 1, 1, 1, 1, 3}, {2, 62, 1, 63, 1, 66, 68, 3}};

    @TempDir
    Path dir;

    /** caravel-model's hand-checked fixture, found from this module's directory. */
    static Path handchecked() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path f = p.resolve("caravel-model/src/test/resources/handchecked/bert.gguf");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new IllegalStateException("caravel-model/src/test/resources/handchecked/bert.gguf not found above " + here);
    }

    /** Pooled (unnormalised) embeddings of each sentence, tokenized with the file's own vocabulary. */
    static float[][] embeddings(Path gguf, List<String> sentences) {
        try (GgufFile f = GgufFile.open(gguf)) {
            EmbeddingModel m = Architectures.loadEncoder(f);
            Tokenizer t = Tokenizers.fromGguf(f.meta());
            float[][] out = new float[sentences.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = m.embed(t.encode(sentences.get(i), true, false), false);
            }
            return out;
        }
    }

    static void assertSameEmbeddings(Path expected, Path actual) {
        float[][] a = embeddings(expected, SENTENCES);
        float[][] b = embeddings(actual, SENTENCES);
        for (int i = 0; i < a.length; i++) {
            assertThat(Arrays.equals(a[i], b[i])).as("embedding of '" + SENTENCES.get(i) + "' is bit-identical").isTrue();
        }
    }

    static void assertSameMetadata(Path expected, Path actual, String... keys) {
        try (GgufFile a = GgufFile.open(expected); GgufFile b = GgufFile.open(actual)) {
            for (String k : keys) {
                assertThat(b.meta().has(k)).as(k).isEqualTo(a.meta().has(k));
                if (a.meta().has(k)) {
                    assertThat(b.meta().get(k).toString()).as(k).isEqualTo(a.meta().get(k).toString());
                }
            }
        }
    }

    static final String[] BERT_KEYS = {"bert.block_count", "bert.context_length", "bert.embedding_length",
            "bert.feed_forward_length", "bert.attention.head_count", "bert.attention.head_count_kv",
            "bert.attention.layer_norm_epsilon", "bert.attention.causal", "bert.pooling_type",
            "tokenizer.ggml.token_type_count", "tokenizer.ggml.model", "tokenizer.ggml.normalizer.lowercase"};

    @Test
    void handcheckedBertRoundTripsExactly() throws IOException {
        Path source = handchecked();
        Path hf = dir.resolve("hf");
        GgufToHf.Result r = GgufToHf.export(source, hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        assertThat(r.hfArchitecture()).isEqualTo("BertModel");
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
                "modules.json", "1_Pooling/config.json")) {
            assertThat(hf.resolve(f)).exists();
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(hf.resolve("config.json").toFile());
        assertThat(config.path("model_type").asText()).isEqualTo("bert");
        assertThat(config.path("type_vocab_size").asInt()).isEqualTo(2);
        assertThat(config.path("hidden_act").asText()).isEqualTo("gelu");
        assertThat(config.has("num_key_value_heads")).isFalse();
        JsonNode pooling = json.readTree(hf.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.path("pooling_mode_mean_tokens").asBoolean()).isTrue();
        assertThat(pooling.path("pooling_mode_cls_token").asBoolean()).isFalse();
        List<String> vocabTxt = Files.readAllLines(hf.resolve("vocab.txt"));
        assertThat(vocabTxt).hasSize(71).startsWith("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a").contains("##ing", "hello");

        Path back = dir.resolve("back.gguf");
        HfToGguf.convert(hf, back, QuantType.F32, 2, null);
        ConvertTesting.assertSameTensors(source, back);
        ConvertTesting.assertSameVocab(source, back);
        assertSameMetadata(source, back, BERT_KEYS);
        try (GgufFile f = GgufFile.open(back)) {
            assertThat(Architectures.loadEncoder(f).pooling()).isEqualTo(PoolingType.MEAN);
        }
        assertSameEmbeddings(source, back);

        // The exported tokenizer.json, read by Caravel's Hugging Face loader, tokenizes as the GGUF does.
        Tokenizer fromJson = Tokenizers.fromTokenizerJson(hf.resolve("tokenizer.json"));
        Tokenizer fromGguf = Tokenizers.fromGguf(source);
        for (int i = 0; i < SENTENCES.size(); i++) {
            String s = SENTENCES.get(i);
            assertThat(fromGguf.encode(s, true, false)).as(s).containsExactly(HF_IDS[i]);
            assertThat(fromJson.encode(s, true, false)).as(s).containsExactly(HF_IDS[i]);
        }
    }

    /** Only vocab.txt (older checkpoints): the same GGUF vocabulary as from tokenizer.json. */
    @Test
    void vocabTxtAloneGivesTheSameVocabulary() throws IOException {
        Path hf = dir.resolve("hf");
        GgufToHf.export(handchecked(), hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path viaJson = dir.resolve("json.gguf");
        HfToGguf.convert(hf, viaJson, QuantType.F32, 1, null);
        Files.delete(hf.resolve("tokenizer.json"));
        Path viaTxt = dir.resolve("txt.gguf");
        HfToGguf.convert(hf, viaTxt, QuantType.F32, 1, null);
        ConvertTesting.assertSameVocab(viaJson, viaTxt);
        ConvertTesting.assertSameVocab(viaTxt, viaJson);
        assertSameEmbeddings(viaJson, viaTxt);
    }

    /** F16 and Q8_0 conversions embed close to the F32 original. */
    @Test
    void f16AndQ8ConversionsEmbed() throws IOException {
        Path hf = dir.resolve("hf");
        GgufToHf.export(handchecked(), hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path q = dir.resolve("f16.gguf");
        HfToGguf.convert(hf, q, QuantType.F16, 1, null);
        float[][] a = embeddings(handchecked(), SENTENCES);
        float[][] b = embeddings(q, SENTENCES);
        for (int i = 0; i < a.length; i++) {
            assertThat(cosine(a[i], b[i])).as(SENTENCES.get(i)).isGreaterThan(0.999);
        }
        // Q8_0: rows 48 wide fit no 32-block type and fall back to F16 (as convert_hf_to_gguf.py does);
        // only ffn_down (96 wide) is Q8_0. position_embd and token_types are never quantized.
        Path q8 = dir.resolve("q8.gguf");
        HfToGguf.convert(hf, q8, QuantType.Q8_0, 1, null);
        try (GgufFile f = GgufFile.open(q8)) {
            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(dev.caravel.tensor.GgmlType.Q8_0);
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(dev.caravel.tensor.GgmlType.F16);
            assertThat(f.tensor("position_embd.weight").type()).isEqualTo(dev.caravel.tensor.GgmlType.F32);
        }
        float[][] c = embeddings(q8, SENTENCES);
        for (int i = 0; i < a.length; i++) {
            assertThat(cosine(a[i], c[i])).as(SENTENCES.get(i)).isGreaterThan(0.99);
        }
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
