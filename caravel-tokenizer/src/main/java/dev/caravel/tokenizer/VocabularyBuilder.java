package dev.caravel.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Collects what a vocabulary source says (GGUF metadata or a {@code tokenizer.json}) and applies
 * llama.cpp's loading rules ({@code llama_vocab::impl::load}): per-model defaults, metadata
 * overrides, special tokens recognized by their text, the end-of-generation set, and the per-model
 * token attributes. Sources only set what they know; everything else keeps llama.cpp's default.
 */
final class VocabularyBuilder {
    /** Texts that make a token an end-of-generation token (llama.cpp's list). */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");

    /** Texts that identify special roles when the metadata does not name them, in llama.cpp's order. */
    private static final Map<SpecialToken, List<String>> ROLE_TEXTS = Map.of(
            SpecialToken.EOT, List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                    "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"),
            SpecialToken.EOM, List.of("<|eom_id|>"),
            SpecialToken.FIM_PREFIX, List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>",
                    "▁<PRE>", "<|code_prefix|>", "<|prefix|>"),
            SpecialToken.FIM_SUFFIX, List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>",
                    "▁<SUF>", "<|code_suffix|>", "<|suffix|>"),
            SpecialToken.FIM_MIDDLE, List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>",
                    "▁<MID>", "<|code_middle|>", "<|middle|>"),
            SpecialToken.FIM_PAD, List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"),
            SpecialToken.FIM_REPO, List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"),
            SpecialToken.FIM_FILE_SEPARATOR, List.of("<|file_sep|>"));

    private static final List<SpecialToken> DETECTED_ROLES = List.of(SpecialToken.EOT, SpecialToken.EOM,
            SpecialToken.FIM_PREFIX, SpecialToken.FIM_SUFFIX, SpecialToken.FIM_MIDDLE, SpecialToken.FIM_PAD,
            SpecialToken.FIM_REPO, SpecialToken.FIM_FILE_SEPARATOR);

    private final String tokenizerModel;
    private String preName = "";
    private String[] tokens;
    private float[] scores;
    private TokenType[] types;
    private List<String> merges = List.of();
    private final EnumMap<SpecialToken, Long> specialIds = new EnumMap<>(SpecialToken.class);
    private Boolean addBos;
    private Boolean addEos;
    private Boolean addSep;
    private Boolean addSpacePrefix;
    private Boolean lowercase;
    private Boolean stripAccents;
    private String modelName = "";
    private String architecture = "";
    private String chatTemplate;
    private final Map<Integer, Integer> extraAttrs = new HashMap<>();
    private Boolean cleanSpaces;
    private Boolean ignoreMerges;
    private RegexSplitter splitter;

    /** @param tokenizerModel GGUF {@code tokenizer.ggml.model}: {@code llama}, {@code gpt2}, {@code bert}, ... */
    VocabularyBuilder(String tokenizerModel) {
        this.tokenizerModel = tokenizerModel;
    }

    VocabularyBuilder pre(String name) {
        this.preName = name == null ? "" : name;
        return this;
    }

    VocabularyBuilder tokens(String[] tokens) {
        this.tokens = tokens;
        return this;
    }

    VocabularyBuilder scores(float[] scores) {
        this.scores = scores;
        return this;
    }

    VocabularyBuilder types(TokenType[] types) {
        this.types = types;
        return this;
    }

    /** Merges as {@code "left right"} strings, best first. */
    VocabularyBuilder merges(List<String> merges) {
        this.merges = merges;
        return this;
    }

    /** A special token id from metadata; ids outside the vocabulary are ignored as llama.cpp does. */
    VocabularyBuilder special(SpecialToken which, long id) {
        specialIds.put(which, id);
        return this;
    }

    VocabularyBuilder addBos(Boolean value) {
        this.addBos = value;
        return this;
    }

    VocabularyBuilder addEos(Boolean value) {
        this.addEos = value;
        return this;
    }

    VocabularyBuilder addSep(Boolean value) {
        this.addSep = value;
        return this;
    }

    VocabularyBuilder addSpacePrefix(Boolean value) {
        this.addSpacePrefix = value;
        return this;
    }

    VocabularyBuilder lowercase(Boolean value) {
        this.lowercase = value;
        return this;
    }

    VocabularyBuilder stripAccents(Boolean value) {
        this.stripAccents = value;
        return this;
    }

    /** {@code general.name}: llama.cpp keys a few token attributes on it (e.g. Phi-3). */
    VocabularyBuilder modelName(String value) {
        this.modelName = value == null ? "" : value;
        return this;
    }

    VocabularyBuilder architecture(String value) {
        this.architecture = value == null ? "" : value;
        return this;
    }

    VocabularyBuilder chatTemplate(String value) {
        this.chatTemplate = value;
        return this;
    }

    /** Overrides the pre-tokenizer's {@code clean_up_tokenization_spaces}. */
    VocabularyBuilder cleanSpaces(Boolean value) {
        this.cleanSpaces = value;
        return this;
    }

    /** Overrides the pre-tokenizer's {@code ignore_merges} (a word that is a token skips the merges). */
    VocabularyBuilder ignoreMerges(Boolean value) {
        this.ignoreMerges = value;
        return this;
    }

    /** Splits words with these regexes instead of the pre-tokenizer type's own (BPE only). */
    VocabularyBuilder splitter(RegexSplitter value) {
        this.splitter = value;
        return this;
    }

    /** Adds attribute bits (e.g. {@link Vocabulary#ATTR_LSTRIP}) to a token after the llama.cpp rules ran. */
    VocabularyBuilder extraAttributes(int id, int attrs) {
        extraAttrs.merge(id, attrs, (a, b) -> a | b);
        return this;
    }

    /** The values a {@link Vocabulary} is made of. */
    static final class State {
        VocabType type;
        PreTokenizer.Config pre;
        String[] texts;
        float[] scores;
        int[] attrs;
        Map<String, Integer> ids;
        int maxTokenBytes;
        Map<String, Integer> mergeRanks = Map.of();
        EnumMap<SpecialToken, Integer> specials = new EnumMap<>(SpecialToken.class);
        boolean addSpacePrefix;
        boolean addBos;
        boolean addEos;
        boolean addSep;
        boolean ignoreMerges;
        boolean cleanSpaces;
        boolean escapeWhitespaces = true;
        boolean lowercase = true;
        boolean stripAccents;
        Set<Integer> endOfGeneration;
        int[] specialTokensByLength;
        String chatTemplate;
        String tokenizerModel;
        RegexSplitter splitter;
    }

    Vocabulary build() {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("the vocabulary has no tokens (tokenizer.ggml.tokens)");
        }
        State s = new State();
        s.tokenizerModel = tokenizerModel;
        s.chatTemplate = chatTemplate;
        applyModelDefaults(s);
        loadTokens(s);
        if (s.type == VocabType.BPE) {
            loadMerges(s);
        }
        applySpecialIds(s);
        s.addBos = addBos != null ? addBos : s.addBos;
        s.addEos = addEos != null ? addEos : s.addEos;
        s.addSep = addSep != null ? addSep : s.addSep;
        if (s.pre != null && s.pre.type() == PreTokenizer.GEMMA4) {
            s.addBos = true;
        }
        requireSpecial(s, s.addBos, SpecialToken.BOS, "add_bos_token");
        requireSpecial(s, s.addEos, SpecialToken.EOS, "add_eos_token");
        requireSpecial(s, s.addSep, SpecialToken.SEP, "add_sep_token");
        s.lowercase = lowercase != null ? lowercase : s.lowercase;
        s.stripAccents = stripAccents != null ? stripAccents : s.lowercase;
        detectRoles(s);
        markUnused(s);
        collectEndOfGeneration(s);
        s.specialTokensByLength = specialTokensByLength(s);
        applyModelAttributes(s);
        extraAttrs.forEach((id, a) -> {
            if (id >= 0 && id < s.attrs.length) {
                s.attrs[id] |= a;
            }
        });
        return new Vocabulary(s);
    }

    private void applyModelDefaults(State s) {
        EnumMap<SpecialToken, Integer> d = s.specials;
        switch (tokenizerModel) {
            case "llama" -> {
                s.type = VocabType.SPM;
                d.put(SpecialToken.BOS, 1);
                d.put(SpecialToken.EOS, 2);
                d.put(SpecialToken.UNKNOWN, 0);
                s.addSpacePrefix = true;
                s.addBos = true;
            }
            case "bert" -> {
                s.type = VocabType.WPM;
                d.put(SpecialToken.BOS, 101);
                d.put(SpecialToken.UNKNOWN, 100);
                d.put(SpecialToken.SEP, 102);
                d.put(SpecialToken.PAD, 0);
                d.put(SpecialToken.MASK, 103);
                s.cleanSpaces = true;
                s.addBos = true;
                s.addSep = true;
            }
            case "gpt2", "whitespace", "gemma4" -> {
                s.type = VocabType.BPE;
                if (!tokenizerModel.equals("gemma4")) {
                    d.put(SpecialToken.BOS, 11);
                    d.put(SpecialToken.EOS, 11);
                }
                String name = tokenizerModel.equals("gemma4") ? "gemma4" : preName;
                s.pre = PreTokenizer.byName(name).orElseThrow(
                        () -> new IllegalArgumentException("unknown pre-tokenizer type: '" + name + "'"));
                s.cleanSpaces = s.pre.cleanSpaces();
                s.ignoreMerges = s.pre.ignoreMerges();
                s.escapeWhitespaces = s.pre.escapeWhitespaces();
                s.addSep = s.pre.addSep();
                s.lowercase = s.pre.lowercase();
                if (s.pre.forceAddBos()) {
                    s.addBos = true;
                }
                if (s.pre.clearBos()) {
                    d.remove(SpecialToken.BOS);
                }
            }
            case "t5", "rwkv", "plamo2", "hybriddna" ->
                    throw new UnsupportedOperationException("tokenizer model '" + tokenizerModel + "' is not supported");
            case "none", "no_vocab" -> throw new UnsupportedOperationException("the model has no vocabulary");
            default -> throw new IllegalArgumentException("unknown tokenizer model: '" + tokenizerModel + "'");
        }
        if (addSpacePrefix != null) {
            s.addSpacePrefix = addSpacePrefix;
        }
        if (s.type == VocabType.BPE) {
            s.cleanSpaces = cleanSpaces != null ? cleanSpaces : s.cleanSpaces;
            s.ignoreMerges = ignoreMerges != null ? ignoreMerges : s.ignoreMerges;
            s.splitter = splitter != null ? splitter : RegexSplitter.llama(s.pre.type().regexes());
        }
    }

    private void loadTokens(State s) {
        int n = tokens.length;
        requireLength("scores", scores == null ? n : scores.length, n);
        requireLength("token types", types == null ? n : types.length, n);
        s.texts = new String[n];
        s.scores = new float[n];
        s.attrs = new int[n];
        s.ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String text = tokens[i] == null || tokens[i].isEmpty() ? "[EMPTY_" + i + "]" : tokens[i];
            Integer previous = s.ids.putIfAbsent(text, i);
            if (previous != null) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + text + "' has ids " + previous + " and " + i);
            }
            s.texts[i] = text;
            s.maxTokenBytes = Math.max(s.maxTokenBytes, Utf8.length(text));
            s.scores[i] = scores == null ? 0f : scores[i];
            s.attrs[i] = types == null ? Vocabulary.ATTR_NORMAL : attributeOf(types[i]);
        }
    }

    private static void requireLength(String what, int length, int tokenCount) {
        if (length < tokenCount) {
            throw new IllegalArgumentException("the vocabulary has " + tokenCount + " tokens but only " + length + " " + what);
        }
    }

    private static int attributeOf(TokenType type) {
        return switch (type) {
            case UNKNOWN -> Vocabulary.ATTR_UNKNOWN;
            case UNUSED -> Vocabulary.ATTR_UNUSED;
            case NORMAL -> Vocabulary.ATTR_NORMAL;
            case CONTROL -> Vocabulary.ATTR_CONTROL;
            case USER_DEFINED -> Vocabulary.ATTR_USER_DEFINED;
            case BYTE -> Vocabulary.ATTR_BYTE;
            case UNDEFINED -> 0;
        };
    }

    private void loadMerges(State s) {
        if (merges.isEmpty() && s.pre.type() != PreTokenizer.KIMI_K2) {
            throw new IllegalArgumentException("a BPE vocabulary needs merges (tokenizer.ggml.merges)");
        }
        Map<String, Integer> ranks = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            // llama.cpp splits at the first space after the first character; a line without one is a no-op
            String key = space < 0 ? " " : merge.substring(0, space) + " " + merge.substring(space + 1);
            ranks.putIfAbsent(key, rank);
        }
        s.mergeRanks = ranks; // kept a HashMap: Map.copyOf probes slowly on 100K+ similar keys
    }

    private void applySpecialIds(State s) {
        int n = s.texts.length;
        s.specials.values().removeIf(id -> id >= n);
        specialIds.forEach((which, id) -> {
            if (id >= 0 && id < n) {
                s.specials.put(which, id.intValue());
            }
        });
    }

    private static void requireSpecial(State s, boolean needed, SpecialToken which, String flag) {
        if (needed && !s.specials.containsKey(which)) {
            throw new IllegalArgumentException(flag + " is true, but the vocabulary has no " + which + " token");
        }
    }

    /** Finds EOT, EOM and FIM tokens by their text when the metadata does not name them. */
    private static void detectRoles(State s) {
        for (SpecialToken role : DETECTED_ROLES) {
            if (s.specials.containsKey(role)) {
                continue;
            }
            for (String text : ROLE_TEXTS.get(role)) {
                Integer id = s.ids.get(text);
                if (id != null) {
                    s.specials.put(role, id);
                    s.attrs[id] |= Vocabulary.ATTR_CONTROL;
                    break;
                }
            }
        }
    }

    private static void markUnused(State s) {
        for (int id = 0; id < s.texts.length; id++) {
            if ((s.attrs[id] & Vocabulary.ATTR_CONTROL) != 0 && s.texts[id].contains("unused")) {
                s.attrs[id] |= Vocabulary.ATTR_UNUSED;
            }
        }
    }

    private static void collectEndOfGeneration(State s) {
        Set<Integer> eog = new TreeSet<>();
        for (SpecialToken role : List.of(SpecialToken.FIM_PAD, SpecialToken.FIM_REPO, SpecialToken.FIM_FILE_SEPARATOR)) {
            if (s.specials.containsKey(role)) {
                eog.add(s.specials.get(role));
            }
        }
        for (int id = 0; id < s.texts.length; id++) {
            if (EOG_TEXTS.contains(s.texts[id])) {
                eog.add(id);
                s.attrs[id] |= Vocabulary.ATTR_CONTROL;
            }
        }
        // gpt-oss renders its channel markers, so llama.cpp makes them user-defined
        for (String text : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            Integer id = s.ids.get(text);
            if (id != null) {
                s.attrs[id] = Vocabulary.ATTR_USER_DEFINED;
            }
        }
        for (SpecialToken role : List.of(SpecialToken.EOS, SpecialToken.EOT, SpecialToken.EOM)) {
            if (s.specials.containsKey(role)) {
                eog.add(s.specials.get(role));
            }
        }
        Set<String> eogTexts = new HashSet<>();
        eog.forEach(id -> eogTexts.add(s.texts[id]));
        // o200k_harmony and solar-open end a message with <|end|> but keep generating after it
        boolean harmony = eogTexts.contains("<|return|>") && (eogTexts.contains("<|call|>") || eogTexts.contains("<|calls|>"));
        boolean solar = (eogTexts.contains("<|call|>") || eogTexts.contains("<|calls|>")) && eogTexts.contains("<|flush|>");
        if ((harmony || solar) && eogTexts.contains("<|end|>")) {
            int end = s.ids.get("<|end|>");
            eog.remove(end);
            s.attrs[end] = Vocabulary.ATTR_USER_DEFINED;
        }
        // Gemma 4 and PaddleOCR use </s> inside tool responses
        if (eogTexts.contains("<|tool_response>") && eogTexts.contains("</s>")) {
            int close = s.ids.get("</s>");
            eog.remove(close);
            s.attrs[close] = Vocabulary.ATTR_NORMAL;
        }
        s.endOfGeneration = eog;
    }

    private static int[] specialTokensByLength(State s) {
        List<Integer> special = new ArrayList<>();
        int mask = Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_USER_DEFINED | Vocabulary.ATTR_UNKNOWN;
        for (int id = 0; id < s.texts.length; id++) {
            if ((s.attrs[id] & mask) != 0) {
                special.add(id);
            }
        }
        int[] lengths = new int[s.texts.length];
        special.forEach(id -> lengths[id] = Utf8.length(s.texts[id]));
        special.sort((a, b) -> Integer.compare(lengths[b], lengths[a]));
        return special.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Token attributes llama.cpp sets by model name, since GGUF does not store them. */
    private void applyModelAttributes(State s) {
        String name = modelName.toLowerCase(Locale.ROOT);
        boolean jinaMask = Arrays.asList("jina-v2-de", "jina-v2-es", "jina-v2-code").stream().anyMatch(preName::contains)
                || architecture.contains("nomic-bert-moe") || architecture.contains("jina-bert-v3");
        if (jinaMask) {
            setAttr(s, "<mask>", Vocabulary.ATTR_LSTRIP, true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : s.specialTokensByLength) {
                s.attrs[id] |= Vocabulary.ATTR_RSTRIP;
            }
            setAttr(s, "</s>", Vocabulary.ATTR_RSTRIP, true);
            for (String text : List.of("<unk>", "<s>", "<|endoftext|>")) {
                setAttr(s, text, Vocabulary.ATTR_RSTRIP, false);
            }
        } else if (name.contains("modern-bert")) {
            setAttr(s, "[MASK]", Vocabulary.ATTR_LSTRIP, true);
        }
    }

    private static void setAttr(State s, String text, int attr, boolean on) {
        Integer id = s.ids.get(text);
        if (id != null) {
            s.attrs[id] = on ? s.attrs[id] | attr : s.attrs[id] & ~attr;
        }
    }
}
