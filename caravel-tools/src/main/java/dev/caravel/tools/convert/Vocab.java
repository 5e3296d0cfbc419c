package dev.caravel.tools.convert;

import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A vocabulary as GGUF holds it ({@code tokenizer.ggml.*} and {@code tokenizer.chat_template}): the
 * meeting point of convert (filled from Hugging Face files by {@link HfTokenizerReader}) and export
 * (filled from GGUF, written out by {@link HfTokenizerWriter}).
 *
 * @param model     {@code tokenizer.ggml.model}: {@code llama} (SentencePiece), {@code gpt2} (byte-level BPE),
 *                  {@code bert} (WordPiece in llama.cpp's ▁ form, see {@link WordPieceFiles})
 * @param pre       {@code tokenizer.ggml.pre}, or null
 * @param scores    one per token, or null (byte-level BPE has none)
 * @param types     GGUF token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte)
 * @param merges    {@code "left right"} in rank order, or null
 * @param specials  special token ids
 * @param addBos    {@code add_bos_token}, or null when unspecified
 * @param addEos    {@code add_eos_token}, or null
 * @param addSpacePrefix {@code add_space_prefix}, or null
 * @param lowercase {@code normalizer.lowercase} (WordPiece); null = the default, lower case
 */
public record Vocab(String model, String pre, List<String> tokens, float[] scores, int[] types, List<String> merges,
                    Map<Special, Integer> specials, Boolean addBos, Boolean addEos, Boolean addSpacePrefix,
                    String chatTemplate, Boolean lowercase) {

    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    /** Special tokens and their GGUF keys (llama.cpp spells the separator key {@code seperator}). */
    public enum Special {
        BOS("bos_token_id", "bos_token"), EOS("eos_token_id", "eos_token"), UNK("unknown_token_id", "unk_token"),
        SEP("seperator_token_id", "sep_token"), PAD("padding_token_id", "pad_token"), CLS("cls_token_id", "cls_token"),
        MASK("mask_token_id", "mask_token");

        public final String ggufKey;
        public final String hfName;

        Special(String ggufKey, String hfName) {
            this.ggufKey = "tokenizer.ggml." + ggufKey;
            this.hfName = hfName;
        }
    }

    public void writeTo(GgufWriter w) {
        w.putString("tokenizer.ggml.model", model);
        if (pre != null) {
            w.putString("tokenizer.ggml.pre", pre);
        }
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        if (scores != null) {
            w.putFloat32Array("tokenizer.ggml.scores", scores);
        }
        w.putInt32Array("tokenizer.ggml.token_type", types);
        if (merges != null) {
            w.putStringArray("tokenizer.ggml.merges", merges);
        }
        specials.forEach((s, id) -> w.putUInt32(s.ggufKey, id));
        if (addBos != null) {
            w.putBool("tokenizer.ggml.add_bos_token", addBos);
        }
        if (addEos != null) {
            w.putBool("tokenizer.ggml.add_eos_token", addEos);
        }
        if (addSpacePrefix != null) {
            w.putBool("tokenizer.ggml.add_space_prefix", addSpacePrefix);
        }
        if (chatTemplate != null) {
            w.putString("tokenizer.chat_template", chatTemplate);
        }
        if (lowercase != null) {
            w.putBool("tokenizer.ggml.normalizer.lowercase", lowercase);
        }
    }

    /** The vocabulary stored in a GGUF file. */
    public static Vocab fromGguf(GgufMetadata m) {
        String model = m.string("tokenizer.ggml.model").orElseThrow(() ->
                new ConvertException(m.fileName() + ": no tokenizer (tokenizer.ggml.model is missing)"));
        String[] tokens = m.stringArray("tokenizer.ggml.tokens").orElseThrow(() ->
                new ConvertException(m.fileName() + ": no tokenizer.ggml.tokens"));
        float[] scores = m.floatArray("tokenizer.ggml.scores").map(d -> {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }).orElse(null);
        int[] types = m.intArray("tokenizer.ggml.token_type").map(a -> Arrays.stream(a).mapToInt(x -> (int) x).toArray())
                .orElseGet(() -> {
                    int[] t = new int[tokens.length];
                    Arrays.fill(t, NORMAL);
                    return t;
                });
        List<String> merges = m.stringArray("tokenizer.ggml.merges").map(List::of).orElse(null);
        Map<Special, Integer> specials = new EnumMap<>(Special.class);
        for (Special s : Special.values()) {
            m.integer(s.ggufKey).filter(id -> id >= 0 && id < tokens.length).ifPresent(id -> specials.put(s, id.intValue()));
        }
        return new Vocab(model, m.string("tokenizer.ggml.pre").orElse(null), List.of(tokens), scores, types, merges, specials,
                m.bool("tokenizer.ggml.add_bos_token").orElse(null), m.bool("tokenizer.ggml.add_eos_token").orElse(null),
                m.bool("tokenizer.ggml.add_space_prefix").orElse(null), m.string("tokenizer.chat_template").orElse(null),
                m.bool("tokenizer.ggml.normalizer.lowercase").orElse(null));
    }

}
