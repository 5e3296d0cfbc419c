package dev.caravel.tokenizer;

import dev.caravel.format.gguf.GgufMetadata;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a vocabulary from GGUF {@code tokenizer.*} metadata, with llama.cpp's key names. */
final class GgufVocabularyReader {
    private static final String PREFIX = "tokenizer.ggml.";

    /** Special-token keys in llama.cpp's order: the deprecated FIM keys come last and win. */
    private static final Map<String, SpecialToken> SPECIAL_KEYS = new LinkedHashMap<>();

    static {
        SPECIAL_KEYS.put("bos_token_id", SpecialToken.BOS);
        SPECIAL_KEYS.put("eos_token_id", SpecialToken.EOS);
        SPECIAL_KEYS.put("eot_token_id", SpecialToken.EOT);
        SPECIAL_KEYS.put("eom_token_id", SpecialToken.EOM);
        SPECIAL_KEYS.put("unknown_token_id", SpecialToken.UNKNOWN);
        SPECIAL_KEYS.put("seperator_token_id", SpecialToken.SEP); // sic: the GGUF key is misspelled
        SPECIAL_KEYS.put("padding_token_id", SpecialToken.PAD);
        SPECIAL_KEYS.put("mask_token_id", SpecialToken.MASK);
        SPECIAL_KEYS.put("fim_pre_token_id", SpecialToken.FIM_PREFIX);
        SPECIAL_KEYS.put("fim_suf_token_id", SpecialToken.FIM_SUFFIX);
        SPECIAL_KEYS.put("fim_mid_token_id", SpecialToken.FIM_MIDDLE);
        SPECIAL_KEYS.put("fim_pad_token_id", SpecialToken.FIM_PAD);
        SPECIAL_KEYS.put("fim_rep_token_id", SpecialToken.FIM_REPO);
        SPECIAL_KEYS.put("fim_sep_token_id", SpecialToken.FIM_FILE_SEPARATOR);
        SPECIAL_KEYS.put("prefix_token_id", SpecialToken.FIM_PREFIX);
        SPECIAL_KEYS.put("suffix_token_id", SpecialToken.FIM_SUFFIX);
        SPECIAL_KEYS.put("middle_token_id", SpecialToken.FIM_MIDDLE);
    }

    private GgufVocabularyReader() {
    }

    static Vocabulary read(GgufMetadata meta) {
        String where = meta.fileName();
        String model = meta.string(PREFIX + "model").orElseThrow(
                () -> new IllegalArgumentException(where + ": no tokenizer in the file (tokenizer.ggml.model is missing)"));
        String[] tokens = meta.stringArray(PREFIX + "tokens").orElseThrow(
                () -> new IllegalArgumentException(where + ": tokenizer.ggml.tokens is missing"));
        VocabularyBuilder b = new VocabularyBuilder(model)
                .pre(meta.string(PREFIX + "pre").orElse(""))
                .tokens(tokens)
                .scores(meta.floatArray(PREFIX + "scores").map(GgufVocabularyReader::toFloats).orElse(null))
                .types(meta.intArray(PREFIX + "token_type").map(GgufVocabularyReader::toTypes).orElse(null))
                .merges(meta.stringArray(PREFIX + "merges").map(List::of).orElse(List.of()))
                .addBos(meta.bool(PREFIX + "add_bos_token").orElse(null))
                .addEos(meta.bool(PREFIX + "add_eos_token").orElse(null))
                .addSep(meta.bool(PREFIX + "add_sep_token").orElse(null))
                .addSpacePrefix(meta.bool(PREFIX + "add_space_prefix").orElse(null))
                .lowercase(meta.bool(PREFIX + "normalizer.lowercase").orElse(null))
                .stripAccents(meta.bool(PREFIX + "normalizer.strip_accents").orElse(null))
                .modelName(meta.string("general.name").orElse(""))
                .architecture(meta.string("general.architecture").orElse(""))
                .chatTemplate(meta.string("tokenizer.chat_template").orElse(null));
        SPECIAL_KEYS.forEach((key, role) -> meta.integer(PREFIX + key).ifPresent(id -> b.special(role, id)));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static TokenType[] toTypes(long[] codes) {
        return Arrays.stream(codes).mapToObj(TokenType::fromGguf).toArray(TokenType[]::new);
    }
}
