package dev.caravel.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufMetadata;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Writes llama.cpp's test vocabularies back as Hugging Face {@code tokenizer.json} files (WordPiece,
 * SentencePiece-style BPE with byte fallback, GPT-2 byte-level BPE) and checks that reading them
 * gives llama.cpp's ids for the same test vectors.
 */
class TokenizerJsonConversionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    @TestFactory
    Stream<DynamicTest> wordPiece() throws IOException {
        Path json = write("bert", bertJson(meta("bert-bge")));
        return LlamaCppVocabVectorsTest.casesFor("bert-bge via tokenizer.json", () -> tokenizer(json), vectors("bert-bge")).stream();
    }

    @TestFactory
    Stream<DynamicTest> sentencePieceBpe() throws IOException {
        Path json = write("spm", spmJson(meta("llama-spm")));
        return LlamaCppVocabVectorsTest.casesFor("llama-spm via tokenizer.json", () -> tokenizer(json), vectors("llama-spm")).stream();
    }

    @TestFactory
    Stream<DynamicTest> gpt2ByteLevel() throws IOException {
        Path json = write("gpt2", gpt2Json(meta("gpt-2")));
        return LlamaCppVocabVectorsTest.casesFor("gpt-2 via tokenizer.json", () -> tokenizer(json), vectors("gpt-2")).stream();
    }

    private static final java.util.Map<Path, LlamaTokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private static LlamaTokenizer tokenizer(Path json) {
        return LOADED.computeIfAbsent(json, Tokenizers::fromTokenizerJson);
    }

    private static Path vectors(String name) {
        return TestData.tokenizerVectors().resolve("ggml-vocab-" + name + ".gguf");
    }

    private static GgufMetadata meta(String name) {
        try (GgufFile f = GgufFile.open(vectors(name))) {
            return f.meta();
        }
    }

    private static Path write(String dir, ObjectNode root) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(dir));
        Path json = d.resolve("tokenizer.json");
        JSON.writeValue(json.toFile(), root);
        return json;
    }

    private static String[] tokens(GgufMetadata m) {
        return m.stringArray("tokenizer.ggml.tokens").orElseThrow();
    }

    private static long[] types(GgufMetadata m) {
        return m.intArray("tokenizer.ggml.token_type").orElseThrow();
    }

    private static ObjectNode model(ObjectNode root, String type) {
        return root.putObject("model").put("type", type);
    }

    private static void addedControlTokens(ObjectNode root, String[] tokens, long[] types) {
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < tokens.length; id++) {
            if (types[id] == TokenType.CONTROL.ggufCode() || types[id] == TokenType.USER_DEFINED.ggufCode()) {
                added.addObject().put("id", id).put("content", tokens[id]).put("special", types[id] == TokenType.CONTROL.ggufCode());
            }
        }
    }

    /** BERT: the converter's ▁ / ## rewrite undone. */
    private static ObjectNode bertJson(GgufMetadata m) {
        String[] tokens = tokens(m);
        ObjectNode root = JSON.createObjectNode();
        addedControlTokens(root, tokens, types(m));
        root.putObject("normalizer").put("type", "BertNormalizer").put("lowercase", true).putNull("strip_accents");
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode model = model(root, "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            String hf = t.startsWith("[") && t.endsWith("]") ? t : t.startsWith("\u2581") ? t.substring(1) : "##" + t;
            vocab.put(hf, id);
        }
        return root;
    }

    /** Llama 2 style: Prepend/Replace normalizer, byte fallback, merges ordered by piece score. */
    private static ObjectNode spmJson(GgufMetadata m) {
        String[] tokens = tokens(m);
        long[] types = types(m);
        double[] scores = m.floatArray("tokenizer.ggml.scores").orElseThrow();
        ObjectNode root = JSON.createObjectNode();
        addedControlTokens(root, tokens, types);
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
        steps.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");
        ObjectNode model = model(root, "BPE").put("byte_fallback", true).put("unk_token", "<unk>");
        ObjectNode vocab = model.putObject("vocab");
        Set<String> known = new HashSet<>();
        for (int id = 0; id < tokens.length; id++) {
            vocab.put(tokens[id], id);
            known.add(tokens[id]);
        }
        ArrayNode merges = model.putArray("merges");
        List<Integer> byScore = new ArrayList<>(IntStream.range(0, tokens.length).boxed().toList());
        byScore.sort(Comparator.comparingDouble((Integer id) -> -scores[id]).thenComparing(id -> id));
        for (int id : byScore) {
            String t = tokens[id];
            if (types[id] != TokenType.NORMAL.ggufCode() || t.codePointCount(0, t.length()) < 2) {
                continue;
            }
            for (int k = t.offsetByCodePoints(0, 1); k < t.length(); k = t.offsetByCodePoints(k, 1)) {
                if (known.contains(t.substring(0, k)) && known.contains(t.substring(k))) {
                    merges.add(t.substring(0, k) + " " + t.substring(k));
                }
            }
        }
        return root;
    }

    /** GPT-2: ByteLevel pre-tokenizer with its regex, merges as pairs. */
    private static ObjectNode gpt2Json(GgufMetadata m) {
        String[] tokens = tokens(m);
        ObjectNode root = JSON.createObjectNode();
        addedControlTokens(root, tokens, types(m));
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = model(root, "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.length; id++) {
            vocab.put(tokens[id], id);
        }
        ArrayNode merges = model.putArray("merges");
        for (String merge : m.stringArray("tokenizer.ggml.merges").orElseThrow()) {
            int space = merge.indexOf(' ', 1);
            merges.addArray().add(merge.substring(0, space)).add(merge.substring(space + 1));
        }
        return root;
    }
}
