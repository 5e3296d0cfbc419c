package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.format.safetensors.SafetensorsWriter;
import dev.caravel.model.Architectures;
import dev.caravel.model.EmbeddingModel;
import dev.caravel.model.PoolingType;
import dev.caravel.tokenizer.Tokenizers;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A small random Hugging Face BERT checkpoint (as transformers and sentence-transformers save
 * them) converts, loads and embeds in Caravel; the {@code BertForMaskedLM} spelling (with
 * {@code bert.}, {@code gamma}/{@code beta}, pre-training heads) gives the same tensors; bad
 * vocabularies and pooling are one-line errors.
 */
class SyntheticBertTest {
    static final int DIM = 32;
    static final int HEADS = 4;
    static final int FFN = 64;
    static final int LAYERS = 2;
    static final int CTX = 64;
    static final List<String> VOCAB = vocab();
    /** Three more embedding rows than tokens: convert pads with unused [PADi], as llama.cpp does. */
    static final int ROWS = VOCAB.size() + 3;
    static final String TEXT = "Hello world, 你好 playing";

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static List<String> vocab() {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "play",
                "##ing", ",", "你", "好", "!"));
        for (char c = 'a'; c <= 'z'; c++) {
            v.add(String.valueOf(c));
        }
        for (char c = 'a'; c <= 'z'; c++) {
            v.add("##" + c);
        }
        return v;
    }

    /** HF names and shapes of the encoder ({@code prefix} "" for BertModel, "bert." for BertForMaskedLM). */
    static Map<String, long[]> tensors(String prefix, boolean gammaBeta) {
        Map<String, long[]> t = new LinkedHashMap<>();
        String w = gammaBeta ? "gamma" : "weight";
        String b = gammaBeta ? "beta" : "bias";
        t.put(prefix + "embeddings.word_embeddings.weight", new long[]{ROWS, DIM});
        t.put(prefix + "embeddings.position_embeddings.weight", new long[]{CTX, DIM});
        t.put(prefix + "embeddings.token_type_embeddings.weight", new long[]{2, DIM});
        t.put(prefix + "embeddings.LayerNorm." + w, new long[]{DIM});
        t.put(prefix + "embeddings.LayerNorm." + b, new long[]{DIM});
        for (int l = 0; l < LAYERS; l++) {
            String p = prefix + "encoder.layer." + l + ".";
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
                t.put(p + m + ".weight", new long[]{DIM, DIM});
                t.put(p + m + ".bias", new long[]{DIM});
            }
            t.put(p + "attention.output.LayerNorm." + w, new long[]{DIM});
            t.put(p + "attention.output.LayerNorm." + b, new long[]{DIM});
            t.put(p + "intermediate.dense.weight", new long[]{FFN, DIM});
            t.put(p + "intermediate.dense.bias", new long[]{FFN});
            t.put(p + "output.dense.weight", new long[]{DIM, FFN});
            t.put(p + "output.dense.bias", new long[]{DIM});
            t.put(p + "output.LayerNorm." + w, new long[]{DIM});
            t.put(p + "output.LayerNorm." + b, new long[]{DIM});
        }
        return t;
    }

    /**
     * Writes a checkpoint whose weights depend only on the tensor's position in {@link #tensors}, so
     * both spellings hold the same values. {@code extras} are tensors convert must drop.
     */
    static Path checkpoint(Path dir, String architecture, String prefix, boolean gammaBeta, List<String> extras) throws IOException {
        Files.createDirectories(dir);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("model_type", "bert").put("vocab_size", ROWS).put("hidden_size", DIM).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("intermediate_size", FFN).put("max_position_embeddings", CTX)
                .put("type_vocab_size", 2).put("layer_norm_eps", 1e-12).put("hidden_act", "gelu").put("pad_token_id", 0);
        JSON.writeValue(dir.resolve("config.json").toFile(), c);
        Map<String, long[]> t = tensors(prefix, gammaBeta);
        Random random = new Random(11);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"))) {
            extras.forEach(e -> w.addTensor(e, SafetensorsDType.F32, DIM));
            t.forEach((name, shape) -> w.addTensor(name, SafetensorsDType.F32, shape));
            for (String e : extras) {
                w.writeTensor(e, new float[DIM]);
            }
            for (var e : t.entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                float[] v = new float[(int) n];
                boolean norm = e.getKey().contains("LayerNorm.weight") || e.getKey().contains("LayerNorm.gamma");
                for (int i = 0; i < v.length; i++) {
                    v[i] = (norm ? 1f : 0f) + 0.2f * (random.nextFloat() - 0.5f);
                }
                w.writeTensor(e.getKey(), v);
            }
        }
        return dir;
    }

    /** A fast-tokenizer tokenizer.json (WordPiece) and its tokenizer_config.json. */
    static void tokenizerJson(Path dir, boolean lowercase) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 5; i++) {
            added.addObject().put("id", i).put("content", VOCAB.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true).put("handle_chinese_chars", true)
                .putNull("strip_accents").put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < VOCAB.size(); i++) {
            vocab.put(VOCAB.get(i), i);
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        tokenizerConfig(dir, lowercase);
    }

    static void tokenizerConfig(Path dir, boolean lowercase) throws IOException {
        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "BertTokenizer").put("do_lower_case", lowercase).put("unk_token", "[UNK]")
                .put("sep_token", "[SEP]").put("pad_token", "[PAD]").put("cls_token", "[CLS]").put("mask_token", "[MASK]");
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
    }

    /** sentence-transformers' modules.json and Pooling config. */
    static void pooling(Path dir, String mode) throws IOException {
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
                """);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": " + DIM
                + ", \"pooling_mode_cls_token\": " + mode.equals("cls") + ", \"pooling_mode_mean_tokens\": " + mode.equals("mean")
                + ", \"pooling_mode_max_tokens\": " + mode.equals("max") + "}");
    }

    private Path convert(Path hf, String name) throws IOException {
        Path out = dir.resolve(name);
        HfToGguf.convert(hf, out, QuantType.F32, 2, null);
        return out;
    }

    @Test
    void sentenceTransformersCheckpointConvertsAndEmbeds() throws IOException {
        Path hf = checkpoint(dir.resolve("st"), "BertModel", "", false, List.of("pooler.dense.bias"));
        tokenizerJson(hf, true);
        pooling(hf, "cls");
        Path gguf = convert(hf, "st.gguf");
        try (GgufFile f = GgufFile.open(gguf)) {
            assertThat(f.meta().architecture()).isEqualTo("bert");
            assertThat(f.meta().bool("bert.attention.causal")).contains(false);
            assertThat(f.meta().integer("bert.pooling_type")).contains(2L);
            assertThat(f.meta().integer("tokenizer.ggml.token_type_count")).contains(2L);
            assertThat(f.meta().has("tokenizer.ggml.normalizer.lowercase")).isFalse();
            assertThat(f.tensors()).doesNotContainKey("pooler.dense.bias").hasSize(5 + 16 * LAYERS);
            Vocab v = Vocab.fromGguf(f.meta());
            assertThat(v.model()).isEqualTo("bert");
            assertThat(v.tokens().subList(0, 9)).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2581hello",
                    "\u2581world", "\u2581play", "ing");
            assertThat(v.tokens().get(ROWS - 1)).isEqualTo("[PAD" + (ROWS - 1) + "]");
            assertThat(v.types()[2]).isEqualTo(Vocab.CONTROL);
            assertThat(v.types()[5]).isEqualTo(Vocab.NORMAL);
            assertThat(v.types()[ROWS - 1]).isEqualTo(Vocab.UNUSED);
            // [CLS] is not at llama.cpp's default BOS id 101, so BOS names it.
            assertThat(v.specials()).containsEntry(Vocab.Special.CLS, 2).containsEntry(Vocab.Special.BOS, 2)
                    .containsEntry(Vocab.Special.SEP, 3).containsEntry(Vocab.Special.UNK, 1).containsEntry(Vocab.Special.PAD, 0)
                    .containsEntry(Vocab.Special.MASK, 4);
            // The word embedding is the checkpoint's, row for row.
            var emb = f.tensorData(f.tensor("token_embd.weight"));
            try (var st = dev.caravel.format.safetensors.SafetensorsCheckpoint.open(hf)) {
                var src = st.entries().get("embeddings.word_embeddings.weight");
                assertThat(src).isNotNull();
                var fr = FloatRows.of(src);
                float[] row = new float[DIM];
                fr.read(7, 1, row, 0);
                for (int i = 0; i < DIM; i++) {
                    assertThat(emb.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 7L * DIM + i)).isEqualTo(row[i]);
                }
            }
            int[] ids = Tokenizers.fromGguf(f.meta()).encode(TEXT, true, false);
            assertThat(ids).containsExactly(2, 5, 6, 9, 10, 11, 7, 8, 3);
            EmbeddingModel m = Architectures.loadEncoder(f);
            assertThat(m.pooling()).isEqualTo(PoolingType.CLS);
            float[] e = m.embed(ids, true);
            assertThat(e).hasSize(DIM);
            double norm = 0;
            for (float x : e) {
                assertThat(Float.isFinite(x)).isTrue();
                norm += x * x;
            }
            assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
        // Export → convert gives the same file contents and embeddings.
        Path hf2 = dir.resolve("exported");
        GgufToHf.export(gguf, hf2, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path back = convert(hf2, "back.gguf");
        ConvertTesting.assertSameTensors(gguf, back);
        ConvertTesting.assertSameVocab(gguf, back);
        BertConvertTest.assertSameMetadata(gguf, back, BertConvertTest.BERT_KEYS);
        BertConvertTest.assertSameEmbeddings(gguf, back);
    }

    /** BertForMaskedLM spelling, a cased vocab.txt only: the same tensors; the GGUF says not to lower-case. */
    @Test
    void maskedLmCheckpointWithVocabTxtConverts() throws IOException {
        Path plain = checkpoint(dir.resolve("plain"), "BertModel", "", false, List.of());
        tokenizerJson(plain, true);
        Path mlm = checkpoint(dir.resolve("mlm"), "BertForMaskedLM", "bert.", true,
                List.of("bert.embeddings.position_ids", "bert.pooler.dense.bias", "cls.predictions.bias",
                        "cls.predictions.transform.dense.bias", "cls.seq_relationship.bias"));
        Files.write(mlm.resolve("vocab.txt"), VOCAB);
        tokenizerConfig(mlm, false);
        Path a = convert(plain, "plain.gguf");
        Path b = convert(mlm, "mlm.gguf");
        ConvertTesting.assertSameTensors(a, b);
        try (GgufFile f = GgufFile.open(b)) {
            assertThat(f.meta().has("bert.pooling_type")).isFalse();
            assertThat(f.meta().bool("tokenizer.ggml.normalizer.lowercase")).contains(false);
            Vocab v = Vocab.fromGguf(f.meta());
            Vocab plainVocab;
            try (GgufFile g = GgufFile.open(a)) {
                plainVocab = Vocab.fromGguf(g.meta());
            }
            assertThat(v.tokens()).isEqualTo(plainVocab.tokens());
            assertThat(v.types()).isEqualTo(plainVocab.types());
            assertThat(v.specials()).isEqualTo(plainVocab.specials());
            // Cased: "Hello" has no piece (the vocabulary is lower case), so it is [UNK].
            assertThat(Tokenizers.fromGguf(f.meta()).encode(TEXT, true, false)).containsExactly(2, 1, 6, 9, 10, 11, 7, 8, 3);
        }
        // The cased flag survives export.
        Path hf2 = dir.resolve("exported");
        GgufToHf.export(b, hf2, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        assertThat(JSON.readTree(hf2.resolve("tokenizer_config.json").toFile()).path("do_lower_case").asBoolean(true)).isFalse();
        assertThat(hf2.resolve("modules.json")).doesNotExist();
        Path back = convert(hf2, "back.gguf");
        BertConvertTest.assertSameMetadata(b, back, BertConvertTest.BERT_KEYS);
        ConvertTesting.assertSameVocab(b, back);
    }

    @Test
    void missingOrWrongVocabularyIsNamed() throws IOException {
        Path hf = checkpoint(dir.resolve("novocab"), "BertModel", "", false, List.of());
        tokenizerConfig(hf, true);
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("novocab").hasMessageContaining("no tokenizer.json or vocab.txt");
        Files.writeString(hf.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}");
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("tokenizer.json").hasMessageContaining("needs a WordPiece tokenizer, this one is 'BPE'");
        Files.delete(hf.resolve("tokenizer.json"));
        Files.writeString(hf.resolve("vocab.txt"), "");
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("vocab.txt").hasMessageContaining("empty");
        List<String> tooMany = new ArrayList<>(VOCAB);
        for (int i = 0; i < 10; i++) {
            tooMany.add("extra" + i);
        }
        Files.write(hf.resolve("vocab.txt"), tooMany);
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("does not fit the embedding's " + ROWS + " rows");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }

    @Test
    void unsupportedPoolingIsNamed() throws IOException {
        Path hf = checkpoint(dir.resolve("maxpool"), "BertModel", "", false, List.of());
        tokenizerJson(hf, true);
        pooling(hf, "max");
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("1_Pooling").hasMessageContaining("only mean and CLS pooling");
        Files.writeString(hf.resolve("modules.json"), "{\"not\": \"a list\"}");
        assertThatThrownBy(() -> convert(hf, "x.gguf")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("modules.json").hasMessageContaining("JSON array");
    }
}
