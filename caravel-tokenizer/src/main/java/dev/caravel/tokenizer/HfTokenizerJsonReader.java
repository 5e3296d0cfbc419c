package dev.caravel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} (plus {@code tokenizer_config.json} beside it) into a
 * vocabulary the way llama.cpp's converter would write it to GGUF: added tokens become control or
 * user-defined tokens, a WordPiece vocabulary gets llama.cpp's ▁-prefixed form, a SentencePiece-style
 * BPE gets scores from its merge ranks, and known pre-tokenizer regexes map to llama.cpp's types.
 */
final class HfTokenizerJsonReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HF_CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
    /** The GPT-2 regex of HF's ByteLevel pre-tokenizer. */
    private static final String HF_BYTE_LEVEL_REGEX = PreTokenizer.Patterns.GPT2 + "|\\s+";

    /** HF originals of regexes llama.cpp rewrote beyond the contraction group. */
    private static final Map<String, String> KNOWN_ORIGINALS = Map.of(
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?"
                    + "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "tekken",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "gpt-4o");

    private final JsonNode root;
    private final JsonNode config;
    private final JsonNode model;
    private String[] tokens;
    private TokenType[] types;
    private final List<JsonNode> addedTokens = new ArrayList<>();

    private HfTokenizerJsonReader(JsonNode root, JsonNode config) {
        this.root = root;
        this.config = config;
        this.model = root.path("model");
    }

    static Vocabulary read(Path tokenizerJson) throws IOException {
        JsonNode root = JSON.readTree(tokenizerJson.toFile());
        Path configPath = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configPath) ? JSON.readTree(configPath.toFile()) : JSON.createObjectNode();
        try {
            return new HfTokenizerJsonReader(root, config).read();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    private Vocabulary read() {
        String type = model.path("type").asText("");
        root.path("added_tokens").forEach(addedTokens::add);
        return switch (type) {
            case "BPE" -> hasByteLevel() ? byteLevelBpe() : sentencePieceBpe();
            case "WordPiece" -> wordPiece();
            case "" -> throw new IllegalArgumentException("no model in tokenizer.json");
            default -> throw new UnsupportedOperationException("tokenizer.json model '" + type + "' is not supported");
        };
    }

    private boolean hasByteLevel() {
        return containsType(root.path("pre_tokenizer"), "ByteLevel") || containsType(root.path("decoder"), "ByteLevel");
    }

    private static boolean containsType(JsonNode node, String type) {
        if (node.path("type").asText("").equals(type)) {
            return true;
        }
        for (String list : List.of("pretokenizers", "decoders", "normalizers")) {
            for (JsonNode child : node.path(list)) {
                if (containsType(child, type)) {
                    return true;
                }
            }
        }
        return false;
    }

    private Vocabulary byteLevelBpe() {
        loadVocab(false);
        List<String> regexes = new ArrayList<>();
        collectRegexes(root.path("pre_tokenizer"), regexes);
        List<String> adapted = regexes.stream().map(HfTokenizerJsonReader::adaptRegex).toList();
        String pre = knownPreTokenizer(regexes, adapted);
        VocabularyBuilder b = common(new VocabularyBuilder("gpt2"), true)
                .pre(pre == null ? "default" : pre)
                .merges(merges())
                .ignoreMerges(model.has("ignore_merges") ? Boolean.valueOf(model.path("ignore_merges").asBoolean()) : null);
        if (pre == null) {
            b.splitter(RegexSplitter.huggingFace(regexes));
        }
        if (config.has("clean_up_tokenization_spaces")) {
            b.cleanSpaces(config.path("clean_up_tokenization_spaces").asBoolean());
        }
        return b.build();
    }

    /** The llama.cpp pre-tokenizer name whose regexes these are, or null if llama.cpp has none. */
    private static String knownPreTokenizer(List<String> original, List<String> adapted) {
        if (original.size() == 1 && KNOWN_ORIGINALS.containsKey(original.get(0))) {
            return KNOWN_ORIGINALS.get(original.get(0));
        }
        for (PreTokenizer type : PreTokenizer.values()) {
            if (type.regexes().equals(adapted) && type.byteEncode()) {
                return PreTokenizer.canonicalName(type);
            }
        }
        return null;
    }

    /** HF's {@code (?i:...)} contractions in llama.cpp's ECMAScript-compatible spelling. */
    private static String adaptRegex(String regex) {
        if (regex.equals(HF_BYTE_LEVEL_REGEX)) {
            return PreTokenizer.Patterns.GPT2;
        }
        return regex.replace(HF_CONTRACTIONS, PreTokenizer.Patterns.CONTRACTION);
    }

    private static void collectRegexes(JsonNode pre, List<String> out) {
        switch (pre.path("type").asText("")) {
            case "Sequence" -> pre.path("pretokenizers").forEach(p -> collectRegexes(p, out));
            case "Split" -> {
                JsonNode pattern = pre.path("pattern");
                String behavior = pre.path("behavior").asText("Isolated");
                if (!behavior.equals("Isolated") || pre.path("invert").asBoolean(false)) {
                    throw new UnsupportedOperationException("Split pre-tokenizer with behavior " + behavior + " is not supported");
                }
                out.add(pattern.has("Regex") ? pattern.path("Regex").asText()
                        : java.util.regex.Pattern.quote(pattern.path("String").asText()));
            }
            case "ByteLevel" -> {
                if (pre.path("use_regex").asBoolean(true)) {
                    out.add(HF_BYTE_LEVEL_REGEX);
                }
            }
            case "Digits" -> out.add(pre.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
            case "" -> {
            }
            default -> throw new UnsupportedOperationException("pre-tokenizer " + pre.path("type").asText() + " is not supported");
        }
    }

    /** SentencePiece-style BPE (Llama 2, Mistral): ▁ for spaces, byte fallback, scores from merge ranks. */
    private Vocabulary sentencePieceBpe() {
        loadVocab(model.path("byte_fallback").asBoolean(false));
        String unk = model.path("unk_token").asText("");
        float[] scores = new float[tokens.length];
        Arrays.fill(scores, -1e9f); // pieces no merge produces: HF's BPE never forms them
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id].codePointCount(0, tokens[id].length()) == 1 || types[id] != TokenType.NORMAL) {
                scores[id] = 0f;
            }
            if (tokens[id].equals(unk)) {
                types[id] = TokenType.UNKNOWN;
            }
        }
        Map<String, Integer> ids = idsOf(tokens);
        List<String> merges = merges();
        for (int rank = merges.size() - 1; rank >= 0; rank--) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            Integer id = space < 0 ? null : ids.get(merge.substring(0, space) + merge.substring(space + 1));
            if (id != null) {
                scores[id] = -rank; // the best (lowest-ranked) merge producing a piece scores highest
            }
        }
        VocabularyBuilder b = common(new VocabularyBuilder("llama"), true).scores(scores).addSpacePrefix(prependsSpace());
        if (!unk.isEmpty() && ids.containsKey(unk)) {
            b.special(SpecialToken.UNKNOWN, ids.get(unk));
        }
        return b.build();
    }

    /** Whether the normalizer or pre-tokenizer puts ▁ before the text. */
    private boolean prependsSpace() {
        if (containsType(root.path("normalizer"), "Prepend")) {
            return true;
        }
        JsonNode pre = root.path("pre_tokenizer");
        if (pre.path("type").asText("").equals("Metaspace")) {
            return pre.has("prepend_scheme") ? !pre.path("prepend_scheme").asText().equals("never")
                    : pre.path("add_prefix_space").asBoolean(true);
        }
        return false;
    }

    /** WordPiece (BERT), rewritten as llama.cpp's converter does: {@code ##x -> x}, {@code x -> ▁x}. */
    private Vocabulary wordPiece() {
        loadVocab(false);
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            if (!(t.startsWith("[") && t.endsWith("]"))) {
                tokens[id] = t.startsWith("##") ? t.substring(2) : Vocabulary.SPACE_MARK + t;
            }
        }
        JsonNode normalizer = root.path("normalizer");
        Boolean lowercase = normalizer.has("lowercase") ? normalizer.path("lowercase").asBoolean() : null;
        JsonNode strip = normalizer.path("strip_accents");
        VocabularyBuilder b = common(new VocabularyBuilder("bert"), false)
                .lowercase(lowercase)
                .stripAccents(strip.isBoolean() ? strip.asBoolean() : null);
        Map<String, Integer> ids = idsOf(tokens);
        setSpecial(b, ids, SpecialToken.BOS, configToken("cls_token", "[CLS]"));
        setSpecial(b, ids, SpecialToken.SEP, configToken("sep_token", "[SEP]"));
        setSpecial(b, ids, SpecialToken.UNKNOWN, model.path("unk_token").asText(configToken("unk_token", "[UNK]")));
        setSpecial(b, ids, SpecialToken.PAD, configToken("pad_token", "[PAD]"));
        setSpecial(b, ids, SpecialToken.MASK, configToken("mask_token", "[MASK]"));
        return b.build();
    }

    private static void setSpecial(VocabularyBuilder b, Map<String, Integer> ids, SpecialToken which, String text) {
        if (text != null && ids.containsKey(text)) {
            b.special(which, ids.get(text));
        }
    }

    /**
     * Tokens, types, BOS/EOS, flags and chat template common to all models. {@code useTemplate}: take
     * BOS/EOS from the post-processor's template (not for BERT, whose template adds CLS/SEP).
     */
    private VocabularyBuilder common(VocabularyBuilder b, boolean useTemplate) {
        Map<String, Integer> ids = idsOf(tokens);
        b.tokens(tokens).types(types);
        setSpecial(b, ids, SpecialToken.BOS, configToken("bos_token", null));
        setSpecial(b, ids, SpecialToken.EOS, configToken("eos_token", null));
        setSpecial(b, ids, SpecialToken.PAD, configToken("pad_token", null));
        Integer[] template = useTemplate ? templateSpecials() : new Integer[2];
        if (template[0] != null) {
            b.special(SpecialToken.BOS, template[0]);
        }
        if (template[1] != null) {
            b.special(SpecialToken.EOS, template[1]);
        }
        b.addBos(flag("add_bos_token", template[0] != null));
        b.addEos(flag("add_eos_token", template[1] != null));
        b.chatTemplate(chatTemplate());
        for (JsonNode added : addedTokens) {
            int attrs = (added.path("lstrip").asBoolean(false) ? Vocabulary.ATTR_LSTRIP : 0)
                    | (added.path("rstrip").asBoolean(false) ? Vocabulary.ATTR_RSTRIP : 0);
            if (attrs != 0) {
                b.extraAttributes(added.path("id").asInt(), attrs);
            }
        }
        return b;
    }

    /** A boolean from tokenizer_config.json; if absent, true when {@code impliedTrue}, else unset. */
    private Boolean flag(String key, boolean impliedTrue) {
        if (config.has(key)) {
            return config.path(key).asBoolean();
        }
        return impliedTrue ? Boolean.TRUE : null;
    }

    /** BOS and EOS ids from a {@code TemplateProcessing} post-processor that wraps single sequences. */
    private Integer[] templateSpecials() {
        Integer[] result = new Integer[2];
        JsonNode post = root.path("post_processor");
        JsonNode single = post.path("single");
        if (!post.path("type").asText("").equals("TemplateProcessing") || single.size() == 0) {
            return result;
        }
        for (int end = 0; end < 2; end++) {
            JsonNode item = single.get(end == 0 ? 0 : single.size() - 1).path("SpecialToken");
            if (!item.isMissingNode()) {
                JsonNode idsNode = post.path("special_tokens").path(item.path("id").asText()).path("ids");
                if (idsNode.size() == 1) {
                    result[end] = idsNode.get(0).asInt();
                }
            }
        }
        return result;
    }

    private String chatTemplate() {
        JsonNode t = config.path("chat_template");
        if (t.isTextual()) {
            return t.asText();
        }
        for (JsonNode named : t) {
            if (named.path("name").asText("").equals("default")) {
                return named.path("template").asText();
            }
        }
        return t.size() > 0 ? t.get(0).path("template").asText(null) : null;
    }

    /** A token named in tokenizer_config.json (a string or {@code {"content": ...}}), else the fallback. */
    private String configToken(String key, String fallback) {
        JsonNode node = config.path(key);
        if (node.isTextual()) {
            return node.asText();
        }
        return node.has("content") ? node.path("content").asText() : fallback;
    }

    /** The model vocabulary plus added tokens; ids nobody uses become {@code [PADn]} (unused), as in the converter. */
    private void loadVocab(boolean byteFallback) {
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) {
            throw new IllegalArgumentException("model.vocab is missing or not an object");
        }
        int size = 0;
        for (var it = vocab.fields(); it.hasNext(); ) {
            size = Math.max(size, it.next().getValue().asInt() + 1);
        }
        for (JsonNode added : addedTokens) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        tokens = new String[size];
        types = new TokenType[size];
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt();
            tokens[id] = e.getKey();
            types[id] = byteFallback && e.getKey().matches("<0x[0-9A-Fa-f]{2}>") ? TokenType.BYTE : TokenType.NORMAL;
        }
        for (JsonNode added : addedTokens) {
            int id = added.path("id").asInt();
            String text = added.path("content").asText();
            tokens[id] = text;
            types[id] = added.path("special").asBoolean(false) || looksSpecial(text) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        for (int id = 0; id < size; id++) {
            if (tokens[id] == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = TokenType.UNUSED;
            }
        }
    }

    /** The converter's {@code does_token_look_special}: added tokens that are control tokens in spirit. */
    private static boolean looksSpecial(String text) {
        return text.equals("<pad>") || text.equals("<mask>") || text.equals("<2mass>") || text.equals("[@BOS@]")
                || (text.startsWith("<|") && text.endsWith("|>"))
                || (text.startsWith("<｜") && text.endsWith("｜>"))
                || (text.startsWith("<unused") && text.endsWith(">"));
    }

    /** Merges as {@code "left right"}, whether stored as strings or as pairs. */
    private List<String> merges() {
        List<String> out = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            out.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        return out;
    }

    private static Map<String, Integer> idsOf(String[] tokens) {
        Map<String, Integer> ids = new java.util.HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
        }
        return ids;
    }
}
