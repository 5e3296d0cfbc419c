package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF vocabulary as Hugging Face tokenizer files: {@code tokenizer.json} (byte-level BPE
 * with the pre-tokenizer of the GGUF's {@code tokenizer.ggml.pre}, or SentencePiece-style BPE with
 * byte fallback), {@code tokenizer_config.json} (special tokens, add_bos/add_eos, chat template)
 * and, for SentencePiece vocabularies, {@code tokenizer.model} with the exact pieces, scores and
 * types, which is what llama.cpp's converter reads back — so a round trip keeps the vocabulary.
 */
public final class HfTokenizerWriter {
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private HfTokenizerWriter() {
    }

    public static void write(Path dir, Vocab v, int maxLength) throws IOException {
        if (v.model().equals("bert")) {
            WordPieceFiles.write(dir, v, maxLength);
            return;
        }
        boolean spm = v.model().equals("llama");
        if (!spm && !v.model().equals("gpt2")) {
            throw new ConvertException("exporting a '" + v.model() + "' tokenizer is not supported (supported: llama, gpt2, bert)");
        }
        ObjectNode root = HfConfig.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < v.tokens().size(); i++) {
            int t = v.types()[i];
            if (t == Vocab.CONTROL || t == Vocab.USER_DEFINED || (spm && t == Vocab.UNKNOWN)) {
                added.addObject().put("id", i).put("content", v.tokens().get(i)).put("single_word", false)
                        .put("lstrip", false).put("rstrip", false).put("normalized", t == Vocab.USER_DEFINED)
                        .put("special", t != Vocab.USER_DEFINED);
            }
        }
        ObjectNode model = HfConfig.JSON.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        if (spm) {
            writeSpmParts(root, model, v);
            Files.write(dir.resolve("tokenizer.model"), spmModel(v).toBytes());
        } else {
            writeByteLevelParts(root, model, v);
            Files.deleteIfExists(dir.resolve("tokenizer.model"));
        }
        root.set("model", model);
        GgufToHf.writeJson(dir.resolve("tokenizer.json"), root);
        GgufToHf.writeJson(dir.resolve("tokenizer_config.json"), tokenizerConfig(v, spm, maxLength));
    }

    private static SentencePieceModel spmModel(Vocab v) {
        List<SentencePieceModel.Piece> pieces = new ArrayList<>();
        for (int i = 0; i < v.tokens().size(); i++) {
            pieces.add(new SentencePieceModel.Piece(v.tokens().get(i), v.scores() == null ? 0f : v.scores()[i], v.types()[i]));
        }
        return new SentencePieceModel(pieces, 2, !Boolean.FALSE.equals(v.addSpacePrefix()));
    }

    /** SentencePiece BPE as Hugging Face's LlamaTokenizerFast spells it: byte fallback, ▁ for spaces, merges from scores. */
    private static void writeSpmParts(ObjectNode root, ObjectNode model, Vocab v) {
        boolean prefix = !Boolean.FALSE.equals(v.addSpacePrefix());
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        if (prefix) {
            ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
        }
        ns.addObject().put("type", "Replace").set("pattern", HfConfig.JSON.createObjectNode().put("String", " "));
        ((ObjectNode) ns.get(ns.size() - 1)).put("content", "\u2581");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Sequence");
        ArrayNode ds = dec.putArray("decoders");
        ObjectNode replace = ds.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", "\u2581");
        replace.put("content", " ");
        ds.addObject().put("type", "ByteFallback");
        ds.addObject().put("type", "Fuse");
        if (prefix) {
            ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        }
        Integer unk = v.specials().get(Vocab.Special.UNK);
        if (unk != null) {
            model.put("unk_token", v.tokens().get(unk));
        } else {
            model.putNull("unk_token");
        }
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < v.tokens().size(); i++) {
            vocab.put(v.tokens().get(i), i);
            ids.putIfAbsent(v.tokens().get(i), i);
        }
        // Hugging Face's SentencePiece extractor: every split of a normal piece into two pieces is a
        // merge, ranked by the merged piece's score (then by the parts' ids).
        record Merge(String left, String right, float score, int id, int l, int r) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < v.tokens().size(); i++) {
            if (v.types()[i] != Vocab.NORMAL) {
                continue;
            }
            String t = v.tokens().get(i);
            for (int k = t.offsetByCodePoints(0, 1); k < t.length(); k = t.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(t.substring(0, k));
                Integer r = ids.get(t.substring(k));
                if (l != null && r != null) {
                    merges.add(new Merge(t.substring(0, k), t.substring(k), v.scores() == null ? -i : v.scores()[i], i, l, r));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge x) -> -x.score()).thenComparingInt(Merge::id)
                .thenComparingInt(Merge::l).thenComparingInt(Merge::r));
        ArrayNode ms = model.putArray("merges");
        merges.forEach(x -> ms.addArray().add(x.left()).add(x.right()));
    }

    private static void writeByteLevelParts(ObjectNode root, ObjectNode model, Vocab v) {
        String pre = v.pre() == null ? "default" : v.pre();
        String regex = switch (pre) {
            case "qwen2", "deepseek-r1-qwen" -> QWEN2_REGEX;
            case "llama-bpe", "llama3", "llama-v3" -> LLAMA3_REGEX;
            default -> null;
        };
        root.putNull("normalizer");
        ObjectNode p = root.putObject("pre_tokenizer");
        if (regex != null) {
            p.put("type", "Sequence");
            ArrayNode ps = p.putArray("pretokenizers");
            ObjectNode split = ps.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", regex);
            split.put("behavior", "Isolated").put("invert", false);
            ps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        } else {
            p.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        }
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.tokens().size(); i++) {
            int t = v.types()[i];
            if (t != Vocab.CONTROL && t != Vocab.USER_DEFINED) {
                vocab.put(v.tokens().get(i), i);
            }
        }
        ArrayNode ms = model.putArray("merges");
        if (v.merges() != null) {
            for (String m : v.merges()) {
                int sp = m.indexOf(' ');
                ms.addArray().add(m.substring(0, sp)).add(m.substring(sp + 1));
            }
        }
    }

    private static ObjectNode tokenizerConfig(Vocab v, boolean spm, int maxLength) {
        ObjectNode c = HfConfig.JSON.createObjectNode();
        c.put("tokenizer_class", spm ? "LlamaTokenizer" : "PreTrainedTokenizerFast");
        c.put("model_max_length", maxLength);
        c.put("clean_up_tokenization_spaces", false);
        c.put("add_bos_token", v.addBos() != null ? v.addBos() : spm);
        c.put("add_eos_token", v.addEos() != null && v.addEos());
        if (spm && Boolean.FALSE.equals(v.addSpacePrefix())) {
            c.put("add_prefix_space", false);
        }
        for (Vocab.Special s : Vocab.Special.values()) {
            Integer id = v.specials().get(s);
            if (id != null) {
                c.put(s.hfName, v.tokens().get(id));
            }
        }
        if (!spm) {
            // SentencePiece vocabularies keep their types in tokenizer.model; listing them here would make
            // llama.cpp's converter turn <unk> into a control token.
            ObjectNode dec = c.putObject("added_tokens_decoder");
            for (int i = 0; i < v.tokens().size(); i++) {
                int t = v.types()[i];
                if (t == Vocab.CONTROL || t == Vocab.USER_DEFINED) {
                    dec.putObject(Integer.toString(i)).put("content", v.tokens().get(i)).put("lstrip", false)
                            .put("normalized", t == Vocab.USER_DEFINED).put("rstrip", false).put("single_word", false)
                            .put("special", t == Vocab.CONTROL);
                }
            }
        }
        if (v.chatTemplate() != null) {
            c.put("chat_template", v.chatTemplate());
        }
        return c;
    }
}
