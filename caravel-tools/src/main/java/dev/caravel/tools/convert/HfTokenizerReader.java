package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the GGUF vocabulary of a Hugging Face model directory as llama.cpp's converter does:
 * {@code tokenizer.model} (SentencePiece) when present, else {@code tokenizer.json} (byte-level BPE,
 * or SentencePiece-style BPE with byte fallback), or for BERT a WordPiece {@code tokenizer.json} /
 * {@code vocab.txt} ({@link WordPieceFiles}); added tokens from {@code tokenizer_config.json}'s
 * {@code added_tokens_decoder} (special → control, others user-defined); padding to the embedding's
 * row count with {@code [PADi]}; special ids, add_bos/add_eos and the chat template from
 * {@code tokenizer_config.json}, falling back to {@code config.json} / {@code generation_config.json} ids.
 */
public final class HfTokenizerReader {
    private static final Set<String> LOOKS_SPECIAL = Set.of("<pad>", "<mask>", "<cls>", "<sep>", "</s>", "<s>", "<unk>");

    private HfTokenizerReader() {
    }

    public static Vocab read(Path dir, HfConfig config, int vocabSize, ArchMapping arch) {
        HfConfig tokConfig = HfConfig.read(dir.resolve("tokenizer_config.json"), false);
        HfConfig generation = HfConfig.read(dir.resolve("generation_config.json"), false);
        Path spm = dir.resolve("tokenizer.model");
        Path json = dir.resolve("tokenizer.json");
        Base base;
        if (arch.wordPiece()) {
            base = WordPieceFiles.read(dir, tokConfig, vocabSize);
        } else if (Files.isRegularFile(spm)) {
            base = sentencePiece(spm, tokConfig, vocabSize);
        } else if (Files.isRegularFile(json)) {
            base = tokenizerJson(json, tokConfig, vocabSize);
        } else {
            throw new ConvertException(dir + ": no tokenizer.model or tokenizer.json");
        }
        Map<String, Integer> ids = base.ids;
        if (ids == null) {
            ids = new HashMap<>();
            for (int i = base.tokens.size() - 1; i >= 0; i--) {
                ids.put(base.tokens.get(i), i);
            }
        }
        Map<Vocab.Special, Integer> specials = new EnumMap<>(Vocab.Special.class);
        for (Vocab.Special s : Vocab.Special.values()) {
            JsonNode t = tokConfig.node(s.hfName);
            String text = t.isTextual() ? t.asText() : t.path("content").asText(null);
            if (text == null && base.defaultSpecials != null) {
                text = base.defaultSpecials.get(s);
            }
            Integer id = text == null ? null : ids.get(text);
            if (id == null) {
                String key = s.hfName + "_id";
                JsonNode n = config.root().has(key) && !config.node(key).isNull() ? config.node(key) : generation.node(key);
                if (n.isArray() && !n.isEmpty()) {
                    n = n.get(0);
                }
                if (n.isIntegralNumber() && n.asInt() >= 0 && n.asInt() < base.tokens.size()) {
                    id = n.asInt();
                }
            }
            if (id != null) {
                specials.put(s, id);
            }
        }
        if (base.model.equals("llama") && !specials.containsKey(Vocab.Special.UNK) && ids.containsKey("<unk>")) {
            specials.put(Vocab.Special.UNK, ids.get("<unk>"));
        }
        if (base.model.equals("bert") && !specials.containsKey(Vocab.Special.BOS) && specials.containsKey(Vocab.Special.CLS)
                && specials.get(Vocab.Special.CLS) != WordPieceFiles.LLAMA_CPP_DEFAULT_CLS) {
            // llama.cpp's BERT tokenizer starts with BOS, which defaults to id 101 (bert-base's [CLS]);
            // a vocabulary whose [CLS] sits elsewhere needs the id spelled out.
            specials.put(Vocab.Special.BOS, specials.get(Vocab.Special.CLS));
        }
        Boolean addBos = tokConfig.bool("add_bos_token").orElse(arch.addBosDefault() ? null : Boolean.FALSE);
        Boolean addEos = tokConfig.bool("add_eos_token").orElse(null);
        return new Vocab(base.model, base.pre, List.copyOf(base.tokens), base.scores, base.types, base.merges, specials,
                addBos, addEos, base.addSpacePrefix, chatTemplate(tokConfig), base.lowercase);
    }

    private static String chatTemplate(HfConfig tokConfig) {
        JsonNode t = tokConfig.node("chat_template");
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isArray()) {
            for (JsonNode e : t) {
                if (e.path("name").asText().equals("default")) {
                    return e.path("template").asText();
                }
            }
        }
        return null;
    }

    /** The tokenizer-model-specific part of a vocabulary, before special ids and flags. */
    static final class Base {
        String model;
        /** Token → id for special-token look-ups when the tokens were rewritten (WordPiece), else null. */
        Map<String, Integer> ids;
        /** Special-token texts used when tokenizer_config.json names none (BERT's defaults), or null. */
        Map<Vocab.Special, String> defaultSpecials;
        Boolean lowercase;
        String pre;
        List<String> tokens = new ArrayList<>();
        float[] scores;
        int[] types;
        List<String> merges;
        Boolean addSpacePrefix;
    }

    static boolean looksSpecial(String token) {
        return LOOKS_SPECIAL.contains(token) || (token.startsWith("<|") && token.endsWith("|>") && token.length() > 4)
                || (token.startsWith("<｜") && token.endsWith("｜>"));
    }

    /** llama.cpp's {@code _create_vocab_sentencepiece}. */
    private static Base sentencePiece(Path path, HfConfig tokConfig, int vocabSize) {
        SentencePieceModel spm;
        try {
            spm = SentencePieceModel.parse(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new ConvertException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        int n = Math.max(vocabSize, spm.pieces().size());
        Base b = new Base();
        b.model = "llama";
        b.pre = "default";
        b.scores = new float[n];
        b.types = new int[n];
        for (int i = 0; i < n; i++) {
            if (i < spm.pieces().size()) {
                SentencePieceModel.Piece p = spm.pieces().get(i);
                b.tokens.add(p.piece());
                b.scores[i] = p.score();
                b.types[i] = p.type() >= 1 && p.type() <= 6 ? p.type() : Vocab.NORMAL;
            } else {
                b.tokens.add("[PAD" + i + "]");
                b.scores[i] = -10000f;
                b.types[i] = Vocab.UNUSED;
            }
        }
        tokConfig.node("added_tokens_decoder").fields().forEachRemaining(e -> {
            int id = Integer.parseInt(e.getKey());
            if (id < 0 || id >= n) {
                return;
            }
            String content = e.getValue().path("content").asText();
            if (e.getValue().path("special").asBoolean(false) || looksSpecial(content)) {
                b.types[id] = Vocab.CONTROL;
            } else {
                content = content.replace("\u2581", " ");
                b.types[id] = Vocab.USER_DEFINED;
            }
            b.scores[id] = -1000f;
            b.tokens.set(id, content);
        });
        if (!spm.addDummyPrefix()) {
            b.addSpacePrefix = false;
        }
        if (spm.pieces().size() > vocabSize && vocabSize > 0) {
            throw new ConvertException(path + ": " + spm.pieces().size() + " pieces but the embedding has only " + vocabSize + " rows");
        }
        return b;
    }

    /** llama.cpp's {@code get_vocab_base} for byte-level BPE; SentencePiece-style BPE JSON gets scores from merge ranks. */
    private static Base tokenizerJson(Path path, HfConfig tokConfig, int vocabSize) {
        HfConfig tj = HfConfig.read(path, true);
        JsonNode model = tj.node("model");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw new ConvertException(path + ": tokenizer model '" + type + "' is not supported by convert (supported: BPE)");
        }
        Map<Integer, String> byId = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        for (JsonNode a : tj.node("added_tokens")) {
            added.put(a.path("id").asInt(), a);
            byId.put(a.path("id").asInt(), a.path("content").asText());
        }
        tokConfig.node("added_tokens_decoder").fields().forEachRemaining(e -> {
            int id = Integer.parseInt(e.getKey());
            added.putIfAbsent(id, e.getValue());
            byId.putIfAbsent(id, e.getValue().path("content").asText());
        });
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        int n = Math.max(vocabSize, maxId + 1);
        if (maxId >= vocabSize && vocabSize > 0) {
            throw new ConvertException(path + ": token id " + maxId + " does not fit the embedding's " + vocabSize + " rows");
        }
        boolean byteLevel = tj.root().toString().contains("\"ByteLevel\"");
        Base b = new Base();
        b.types = new int[n];
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        b.merges = merges;
        String unk = model.path("unk_token").asText(null);
        for (int i = 0; i < n; i++) {
            String t = byId.get(i);
            if (t == null) {
                b.tokens.add("[PAD" + i + "]");
                b.types[i] = byteLevel ? Vocab.USER_DEFINED : Vocab.UNUSED;
            } else if (added.containsKey(i)) {
                boolean special = added.get(i).path("special").asBoolean(false) || looksSpecial(t);
                b.tokens.add(special ? t : t.replace("\u2581", " "));
                b.types[i] = special ? Vocab.CONTROL : Vocab.USER_DEFINED;
            } else {
                b.tokens.add(t);
                b.types[i] = !byteLevel && t.matches("<0x[0-9A-Fa-f]{2}>") ? Vocab.BYTE
                        : t.equals(unk) ? Vocab.UNKNOWN : Vocab.NORMAL;
            }
        }
        if (byteLevel) {
            b.model = "gpt2";
            // The pre-tokenizer name llama.cpp would pick for these regexes (Caravel's tokenizer knows them all).
            b.pre = Tokenizers.fromTokenizerJson(path).preTokenizer().orElse("default");
        } else {
            // SentencePiece-style BPE: llama.cpp merges by score, so a merge's result scores by its rank.
            b.model = "llama";
            b.pre = "default";
            b.scores = new float[n];
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < n; i++) {
                ids.putIfAbsent(b.tokens.get(i), i);
            }
            for (int r = 0; r < merges.size(); r++) {
                Integer id = ids.get(merges.get(r).replace(" ", ""));
                if (id != null && b.scores[id] == 0) {
                    b.scores[id] = -(r + 1);
                }
            }
            b.merges = null;
        }
        return b;
    }
}
