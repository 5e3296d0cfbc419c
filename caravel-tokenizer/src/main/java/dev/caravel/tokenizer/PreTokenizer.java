package dev.caravel.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The byte-level BPE pre-tokenizers llama.cpp knows, selected by GGUF {@code tokenizer.ggml.pre}.
 *
 * <p>Each type is the list of regexes llama.cpp applies in order (see {@link RegexSplitter}); the
 * {@link Config} of a name adds the per-model flags llama.cpp sets with it. The regex texts are
 * llama.cpp's adapted forms (ECMAScript has no {@code (?i:)}), which matters: a few of them are
 * recognized by exact text and run by hand-written scanners.
 */
enum PreTokenizer {
    DEFAULT("[\\p{P}\\$\\+<=>\\^~\\|]+", Patterns.GPT2, "\\p{N}+", "[0-9][0-9][0-9]"),
    LLAMA3(Patterns.LLAMA3),
    JAIS2("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)"
            + "|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}"),
    DBRX(Patterns.LLAMA3),
    SMAUG(Patterns.LLAMA3),
    DEEPSEEK_LLM("[\r\n]",
            "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
            "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
            "\\s+$",
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}+"),
    DEEPSEEK3_LLM("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", Patterns.DEEPSEEK3_MAIN),
    SPARK2_5("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
            "\\p{N}"),
    YOUTU("[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + Patterns.CONTRACTION + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + Patterns.CONTRACTION + "?"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    DEEPSEEK_CODER("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"),
    FALCON("[\\p{P}\\$\\+<=>\\^~\\|`]+", Patterns.GPT2, "[0-9][0-9][0-9]"),
    STARCODER("\\p{N}", Patterns.GPT2),
    GPT2(Patterns.GPT2),
    QWEN2(Patterns.QWEN2),
    QWEN35("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    PORO(Patterns.PORO),
    CHATGLM4(Patterns.LLAMA3),
    VIKING(Patterns.PORO, "\\p{N}"),
    TEKKEN("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    CHAMELEON("<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]", Patterns.GPT2),
    GPT4O("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + Patterns.CONTRACTION + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + Patterns.CONTRACTION + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GRANITE_EMB_MULTI("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+" + Patterns.CONTRACTION + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*" + Patterns.CONTRACTION + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    TINY_AYA("\\d{1,3}(?=(?:\\d{3})*\\b)",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + Patterns.CONTRACTION + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + Patterns.CONTRACTION + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    KIMI_K2("\\p{Han}+"),
    SUPERBPE("\\p{N}+", "(?=(\\d{3})+(?!\\d))"),
    BAILINGMOE("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    SEED_CODER("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}"
            + "| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    UFAKZEKA("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GROK_2(Patterns.QWEN2),
    AFMOE("\\p{AFMoE_digits}",
            "[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\u3040-\u309F\u30A0-\u30FF\uFF65-\uFF9F\u2F00-\u2FDF\u0E40-\u0E7F\u0E80-\u0EFF\u1780-\u17FF\u1000-\u109F\uAA60-\uAA7F\uA9E0-\uA9FF\uAC00-\uD7AF\u1100-\u11FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    LAGUNA("[^\\n]+|[\\n]+", Patterns.QWEN2),
    EXAONE_MOE("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    /** SentencePiece-style BPE: spaces are ▁, merges run on raw UTF-8, bytes fall back to {@code <0xXX>}. */
    GEMMA4("[^\\n]+|[\\n]+"),
    MINICPM5("\\p{N}{1,3}", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Words are the runs of non-white-space; no byte-level encoding. */
    WHITESPACE("\\S+");

    private final List<String> regexes;

    PreTokenizer(String... regexes) {
        this.regexes = List.of(regexes);
    }

    List<String> regexes() {
        return regexes;
    }

    /** Whether words are byte-level encoded before the merges (false: raw UTF-8, {@code <0xXX>} bytes). */
    boolean byteEncode() {
        return this != GEMMA4 && this != WHITESPACE;
    }

    /** Regex texts shared by several types. */
    static final class Patterns {
        static final String CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = CONTRACTION
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN2 = CONTRACTION
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String PORO = " ?[^(\\s|.,!?…。，、।۔،)]+";
        static final String DEEPSEEK3_MAIN = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
                + "|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

        private Patterns() {
        }
    }

    /**
     * What a {@code tokenizer.ggml.pre} name selects: the type plus the vocabulary flags llama.cpp sets
     * for it ({@code clean_spaces} defaults to true for BPE and several names turn it off).
     */
    record Config(PreTokenizer type, boolean cleanSpaces, boolean ignoreMerges, boolean forceAddBos,
                  boolean clearBos, boolean escapeWhitespaces, boolean addSep, boolean lowercase) {
    }

    /** The configuration for a GGUF {@code tokenizer.ggml.pre} value; empty if llama.cpp does not know it. */
    static Optional<Config> byName(String name) {
        return Optional.ofNullable(Names.BY_NAME.get(name == null || name.isEmpty() ? "default" : name));
    }

    /** The first {@code tokenizer.ggml.pre} name llama.cpp lists for a type. */
    static String canonicalName(PreTokenizer type) {
        return Names.CANONICAL.get(type);
    }

    /** Name tables, in a holder class because enum constants cannot see static fields during their own initialization. */
    private static final class Names {
        static final Map<PreTokenizer, String> CANONICAL = new java.util.EnumMap<>(PreTokenizer.class);
        static final Map<String, Config> BY_NAME = buildNames();
    }

    private static Map<String, Config> buildNames() {
        Map<String, Config> m = new java.util.LinkedHashMap<>();
        // flags: c = clean_spaces off, i = ignore_merges, b = add_bos, n = no BOS id, e = escape white space,
        // s = add_sep, l = no lowercase
        name(m, DEFAULT, "", "default");
        name(m, MINICPM5, "i", "minicpm5");
        name(m, LLAMA3, "ib", "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano");
        name(m, DEEPSEEK_LLM, "c", "deepseek-llm");
        name(m, DEEPSEEK_CODER, "c", "deepseek-coder");
        name(m, DEEPSEEK3_LLM, "c", "deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm");
        name(m, SPARK2_5, "c", "spark2_5");
        name(m, YOUTU, "ci", "youtu");
        name(m, FALCON, "", "falcon");
        name(m, GPT2, "", "mpt", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                "a.x-4.0", "mellum", "modern-bert", "exaone4", "olmo", "jais");
        name(m, GPT2, "s", "jina-v1-en", "jina-v2-code", "roberta-bpe");
        name(m, GPT2, "c", "trillion", "granite-docling");
        name(m, STARCODER, "", "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2");
        name(m, STARCODER, "c", "command-r", "smollm");
        name(m, JAIS2, "", "jais-2");
        name(m, GEMMA4, "e", "gemma4", "granite-embed-multi-311m");
        name(m, GEMMA4, "ec", "sarvam-moe");
        name(m, WHITESPACE, "l", "whitespace");
        name(m, QWEN2, "c", "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open");
        name(m, QWEN2, "", "stablelm2", "megrez");
        name(m, QWEN35, "c", "qwen35");
        name(m, DBRX, "", "dbrx");
        name(m, SMAUG, "", "smaug-bpe");
        name(m, PORO, "c", "poro-chat");
        name(m, PORO, "", "bloom", "gpt3-finnish");
        name(m, CHATGLM4, "n", "glm4", "chatglm-bpe");
        name(m, VIKING, "c", "viking");
        name(m, TEKKEN, "cib", "tekken");
        name(m, CHAMELEON, "cb", "chameleon");
        name(m, GPT4O, "c", "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2");
        name(m, GRANITE_EMB_MULTI, "ci", "granite-embed-multi-97m");
        name(m, TINY_AYA, "c", "tiny_aya", "cohere2moe");
        name(m, SUPERBPE, "c", "superbpe");
        name(m, BAILINGMOE, "c", "bailingmoe", "bailingmoe2", "llada-moe");
        name(m, SEED_CODER, "c", "seed-coder");
        name(m, KIMI_K2, "c", "kimi-k2");
        name(m, UFAKZEKA, "c", "ufakzeka");
        name(m, GROK_2, "c", "grok-2");
        name(m, AFMOE, "c", "afmoe");
        name(m, LAGUNA, "c", "laguna");
        name(m, EXAONE_MOE, "", "exaone-moe");
        return Map.copyOf(m);
    }

    private static void name(Map<String, Config> m, PreTokenizer type, String flags, String... names) {
        Config config = new Config(type, !flags.contains("c"), flags.contains("i"), flags.contains("b"),
                flags.contains("n"), flags.contains("e"), flags.contains("s"), !flags.contains("l"));
        for (String n : names) {
            m.put(n, config);
        }
        Names.CANONICAL.putIfAbsent(type, names[0]);
    }
}
