package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's WordPiece vocabulary between Hugging Face files and GGUF.
 *
 * <p>llama.cpp stores it in "phantom space" form: a word-initial piece {@code x} becomes
 * {@code ▁x}, a continuation {@code ##x} becomes {@code x}, and bracketed tokens ({@code [CLS]},
 * {@code [PAD12]}) stay as they are. Token types follow its {@code get_vocab_base}: tokens the
 * tokenizer lists as added are control (special) or user-defined, the rest normal, missing ids
 * {@code [PADi]} unused. Reading prefers {@code tokenizer.json} (model WordPiece) and falls back to
 * {@code vocab.txt}, one token per line, as Hugging Face's BertTokenizer does; writing produces
 * both, so either loader gets back the same GGUF vocabulary.
 */
public final class WordPieceFiles {
    /** The id llama.cpp's BERT tokenizer assumes for BOS ([CLS]) when the GGUF names none. */
    public static final int LLAMA_CPP_DEFAULT_CLS = 101;
    private static final String SPACE = "\u2581";

    /** Hugging Face BertTokenizer's defaults for the special tokens tokenizer_config.json may leave out. */
    private static final Map<Vocab.Special, String> DEFAULTS = new EnumMap<>(Map.of(Vocab.Special.UNK, "[UNK]",
            Vocab.Special.SEP, "[SEP]", Vocab.Special.PAD, "[PAD]", Vocab.Special.CLS, "[CLS]", Vocab.Special.MASK, "[MASK]"));

    private WordPieceFiles() {
    }

    /** llama.cpp's phantom-space form of a WordPiece token. */
    static String phantom(String token) {
        if (token.startsWith("[") && token.endsWith("]")) {
            return token;
        }
        return token.startsWith("##") ? token.substring(2) : SPACE + token;
    }

    /** The WordPiece token of a phantom-space one (inverse of {@link #phantom}). */
    static String unphantom(String token) {
        if (token.startsWith("[") && token.endsWith("]")) {
            return token;
        }
        return token.startsWith(SPACE) ? token.substring(SPACE.length()) : "##" + token;
    }

    static HfTokenizerReader.Base read(Path dir, HfConfig tokConfig, int vocabSize) {
        Path json = dir.resolve("tokenizer.json");
        Path txt = dir.resolve("vocab.txt");
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, Boolean> added = new HashMap<>(); // id → special
        Boolean lowercase = null;
        String where;
        if (Files.isRegularFile(json)) {
            where = json.toString();
            HfConfig tj = HfConfig.read(json, true);
            JsonNode model = tj.node("model");
            String type = model.path("type").asText("");
            if (!type.equals("WordPiece")) {
                throw new ConvertException(json + ": a BERT model needs a WordPiece tokenizer, this one is '" + type + "'");
            }
            model.path("vocab").fields().forEachRemaining(e -> byId.putIfAbsent(e.getValue().asInt(), e.getKey()));
            for (JsonNode a : tj.node("added_tokens")) {
                byId.put(a.path("id").asInt(), a.path("content").asText());
                added.put(a.path("id").asInt(), a.path("special").asBoolean(false));
            }
            JsonNode norm = tj.node("normalizer");
            if (norm.path("lowercase").isBoolean()) {
                lowercase = norm.path("lowercase").asBoolean();
            }
        } else if (Files.isRegularFile(txt)) {
            where = txt.toString();
            List<String> lines;
            try {
                lines = Files.readAllLines(txt, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConvertException(txt + ": cannot read (" + e.getMessage() + ")", e);
            }
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                // BertTokenizer strips each line's trailing newline only; a later duplicate takes the id.
                String t = lines.get(i);
                Integer before = seen.put(t, i);
                if (before != null) {
                    byId.remove(before);
                }
                byId.put(i, t);
            }
            // BertTokenizer registers its special tokens as added tokens.
            for (Vocab.Special s : Vocab.Special.values()) {
                String text = specialText(tokConfig, s);
                Integer id = seen.get(text != null ? text : DEFAULTS.getOrDefault(s, ""));
                if (id != null && byId.get(id) != null) {
                    added.put(id, true);
                }
            }
        } else {
            throw new ConvertException(dir + ": no tokenizer.json or vocab.txt (a BERT model needs its WordPiece vocabulary)");
        }
        tokConfig.node("added_tokens_decoder").fields().forEachRemaining(e -> {
            int id = Integer.parseInt(e.getKey());
            byId.putIfAbsent(id, e.getValue().path("content").asText());
            added.putIfAbsent(id, e.getValue().path("special").asBoolean(false));
        });
        // tokenizer_config.json's do_lower_case rebuilds the fast tokenizer's normalizer, so it wins.
        lowercase = tokConfig.bool("do_lower_case").orElse(lowercase);
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (maxId < 0) {
            throw new ConvertException(where + ": the WordPiece vocabulary is empty");
        }
        if (maxId >= vocabSize && vocabSize > 0) {
            throw new ConvertException(where + ": token id " + maxId + " does not fit the embedding's " + vocabSize + " rows");
        }
        int n = Math.max(vocabSize, maxId + 1);
        HfTokenizerReader.Base b = new HfTokenizerReader.Base();
        b.model = "bert";
        // llama.cpp's WordPiece tokenizer ignores the pre-tokenizer name.
        b.pre = "default";
        b.types = new int[n];
        b.ids = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String t = byId.get(i);
            if (t == null) {
                t = "[PAD" + i + "]";
                b.types[i] = Vocab.UNUSED;
            } else if (added.containsKey(i)) {
                b.ids.putIfAbsent(t, i);
                boolean special = added.get(i) || HfTokenizerReader.looksSpecial(t);
                if (!special) {
                    t = t.replace(SPACE, " ");
                }
                b.types[i] = special ? Vocab.CONTROL : Vocab.USER_DEFINED;
            } else {
                b.ids.putIfAbsent(t, i);
                b.types[i] = Vocab.NORMAL;
            }
            b.tokens.add(phantom(t));
        }
        b.defaultSpecials = DEFAULTS;
        // Only a cased vocabulary needs the key: llama.cpp lower-cases BERT input by default.
        b.lowercase = Boolean.FALSE.equals(lowercase) ? Boolean.FALSE : null;
        return b;
    }

    private static String specialText(HfConfig tokConfig, Vocab.Special s) {
        JsonNode t = tokConfig.node(s.hfName);
        return t.isTextual() ? t.asText() : t.path("content").asText(null);
    }

    /** vocab.txt, tokenizer.json and tokenizer_config.json of a {@code bert} vocabulary. */
    static void write(Path dir, Vocab v, int maxLength) throws IOException {
        List<String> tokens = new ArrayList<>(v.tokens().size());
        v.tokens().forEach(t -> tokens.add(unphantom(t)));
        // Every id needs a line, so unused [PADi] fillers stay in vocab.txt; tokenizer.json leaves them
        // out so that convert marks them unused again.
        Files.write(dir.resolve("vocab.txt"), (String.join("\n", tokens) + "\n").getBytes(StandardCharsets.UTF_8));
        boolean lowercase = !Boolean.FALSE.equals(v.lowercase());
        String unk = name(v, tokens, Vocab.Special.UNK, "[UNK]");
        String cls = name(v, tokens, Vocab.Special.CLS, "[CLS]");
        String sep = name(v, tokens, Vocab.Special.SEP, "[SEP]");

        ObjectNode root = HfConfig.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            int t = v.types()[i];
            if (t == Vocab.CONTROL || t == Vocab.USER_DEFINED) {
                added.addObject().put("id", i).put("content", tokens.get(i)).put("single_word", false)
                        .put("lstrip", false).put("rstrip", false).put("normalized", t == Vocab.USER_DEFINED)
                        .put("special", t == Vocab.CONTROL);
            }
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        Integer clsId = v.specials().get(Vocab.Special.CLS);
        Integer sepId = v.specials().get(Vocab.Special.SEP);
        if (clsId != null && sepId != null) {
            root.set("post_processor", template(cls, clsId, sep, sepId));
        } else {
            root.putNull("post_processor");
        }
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", unk);
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) {
            if (v.types()[i] != Vocab.UNUSED && !vocab.has(tokens.get(i))) {
                vocab.put(tokens.get(i), i);
            }
        }
        GgufToHf.writeJson(dir.resolve("tokenizer.json"), root);

        ObjectNode c = HfConfig.JSON.createObjectNode();
        c.put("tokenizer_class", "BertTokenizer");
        c.put("do_lower_case", lowercase);
        c.put("do_basic_tokenize", true);
        c.put("tokenize_chinese_chars", true);
        c.putNull("strip_accents");
        c.put("model_max_length", maxLength);
        c.put("clean_up_tokenization_spaces", true);
        if (v.addBos() != null) {
            c.put("add_bos_token", v.addBos());
        }
        if (v.addEos() != null) {
            c.put("add_eos_token", v.addEos());
        }
        for (Vocab.Special s : Vocab.Special.values()) {
            Integer id = v.specials().get(s);
            if (id != null) {
                c.put(s.hfName, tokens.get(id));
            }
        }
        ObjectNode dec = c.putObject("added_tokens_decoder");
        for (int i = 0; i < tokens.size(); i++) {
            int t = v.types()[i];
            if (t == Vocab.CONTROL || t == Vocab.USER_DEFINED) {
                dec.putObject(Integer.toString(i)).put("content", tokens.get(i)).put("lstrip", false)
                        .put("normalized", t == Vocab.USER_DEFINED).put("rstrip", false).put("single_word", false)
                        .put("special", t == Vocab.CONTROL);
            }
        }
        if (v.chatTemplate() != null) {
            c.put("chat_template", v.chatTemplate());
        }
        GgufToHf.writeJson(dir.resolve("tokenizer_config.json"), c);
        Files.deleteIfExists(dir.resolve("tokenizer.model"));
    }

    private static String name(Vocab v, List<String> tokens, Vocab.Special s, String fallback) {
        Integer id = v.specials().get(s);
        return id != null ? tokens.get(id) : fallback;
    }

    /** Hugging Face's BERT post-processor: {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}. */
    private static ObjectNode template(String cls, int clsId, String sep, int sepId) {
        ObjectNode p = HfConfig.JSON.createObjectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        special(single, cls, 0);
        sequence(single, "A", 0);
        special(single, sep, 0);
        ArrayNode pair = p.putArray("pair");
        special(pair, cls, 0);
        sequence(pair, "A", 0);
        special(pair, sep, 0);
        sequence(pair, "B", 1);
        special(pair, sep, 1);
        Map<String, Integer> ids = new LinkedHashMap<>();
        ids.put(cls, clsId);
        ids.put(sep, sepId);
        ObjectNode st = p.putObject("special_tokens");
        ids.forEach((t, id) -> {
            ObjectNode e = st.putObject(t);
            e.put("id", t);
            e.putArray("ids").add(id);
            e.putArray("tokens").add(t);
        });
        return p;
    }

    private static void special(ArrayNode a, String id, int typeId) {
        a.addObject().putObject("SpecialToken").put("id", id).put("type_id", typeId);
    }

    private static void sequence(ArrayNode a, String id, int typeId) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }
}
