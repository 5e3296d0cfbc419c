package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What one architecture needs to go between a Hugging Face checkpoint and llama.cpp's GGUF: the
 * tensor names and layout changes ({@link #rules}), the hyper-parameters each side spells
 * ({@link #writeHparams}, {@link #exportConfig}). Defaults are those of llama.cpp's base converter
 * and of Llama-style {@code config.json}s; each architecture overrides what differs.
 */
public abstract class ArchMapping {
    /** GGUF {@code general.architecture}. */
    public abstract String ggufArch();

    /** The {@code config.json} {@code architectures} names converted by this mapping. */
    public abstract List<String> hfArchitectures();

    /** The {@code architectures} name written by export. */
    public String hfArchitecture(GgufMetadata m) {
        return hfArchitectures().get(0);
    }

    /** {@code model_type} for export. */
    public abstract String modelType();

    /** Name correspondences; {@code {N}} is the block number. */
    public abstract List<TensorRule> rules();

    /** Checkpoint tensors llama.cpp drops (rotary caches, attention masks, heads it does not use). */
    public boolean ignored(String hfName) {
        return hfName.endsWith("rotary_emb.inv_freq");
    }

    /** The checkpoint name as the rules spell it (e.g. GPT-2 files with or without {@code transformer.}). */
    public String normalize(String hfName) {
        return hfName;
    }

    /** Whether a missing {@code output.weight} is filled with the token embedding (GPT-2, as llama.cpp does). */
    public boolean duplicateEmbeddingAsOutput() {
        return false;
    }

    /** Query heads, from config.json. */
    public int heads(HfConfig c) {
        return c.requireInt("num_attention_heads", "n_head");
    }

    /** Key/value heads, from config.json. */
    public int kvHeads(HfConfig c) {
        return c.intOr(heads(c), "num_key_value_heads");
    }

    /** The tokenizer llama.cpp writes for this architecture when it has a choice; null = decide from the files. */
    public boolean addBosDefault() {
        return true;
    }

    /**
     * Writes the {@code <arch>.*} keys: llama.cpp's base {@code set_gguf_parameters} (each key only
     * when config.json has it), then {@link #writeExtraHparams}.
     */
    public void writeHparams(HfConfig c, GgufWriter w) {
        String a = ggufArch();
        c.integer("max_position_embeddings", "n_ctx", "n_positions").ifPresent(v -> w.putUInt32(a + ".context_length", v));
        w.putUInt32(a + ".embedding_length", c.requireInt("hidden_size", "n_embd"));
        c.integer("intermediate_size", "n_inner").ifPresent(v -> w.putUInt32(a + ".feed_forward_length", v));
        w.putUInt32(a + ".block_count", c.requireInt("num_hidden_layers", "n_layer"));
        w.putUInt32(a + ".attention.head_count", heads(c));
        c.integer("num_key_value_heads").ifPresent(v -> w.putUInt32(a + ".attention.head_count_kv", v));
        c.number("rope_theta").ifPresent(v -> w.putFloat32(a + ".rope.freq_base", v.floatValue()));
        c.number("rms_norm_eps").ifPresent(v -> w.putFloat32(a + ".attention.layer_norm_rms_epsilon", v.floatValue()));
        c.number("layer_norm_eps", "layer_norm_epsilon", "norm_epsilon")
                .ifPresent(v -> w.putFloat32(a + ".attention.layer_norm_epsilon", v.floatValue()));
        writeExtraHparams(c, w);
    }

    protected void writeExtraHparams(HfConfig c, GgufWriter w) {
    }

    /** Whether the vocabulary is WordPiece (BERT: {@code tokenizer.json} of type WordPiece or {@code vocab.txt}). */
    public boolean wordPiece() {
        return false;
    }

    /** Metadata that needs the model directory beyond config.json (sentence-transformers pooling). */
    public void writeModelMetadata(Path dir, HfConfig c, GgufWriter w) {
    }

    /** Fills {@code config.json} for export: Llama-style keys, then {@link #exportExtraConfig}. */
    public void exportConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        String a = ggufArch();
        int dim = m.requireInt(a + ".embedding_length", 1, Integer.MAX_VALUE);
        int heads = m.requireInt(a + ".attention.head_count", 1, Integer.MAX_VALUE);
        o.put("hidden_size", dim);
        o.put("intermediate_size", m.intOr(a + ".feed_forward_length", 4 * dim, 1, Integer.MAX_VALUE));
        o.put("num_hidden_layers", m.requireInt(a + ".block_count", 1, Integer.MAX_VALUE));
        o.put("num_attention_heads", heads);
        o.put("num_key_value_heads", m.intOr(a + ".attention.head_count_kv", heads, 1, heads));
        o.put("max_position_embeddings", m.intOr(a + ".context_length", 2048, 1, Integer.MAX_VALUE));
        o.put("rms_norm_eps", clean(m.floatOr(a + ".attention.layer_norm_rms_epsilon", 1e-5f)));
        o.put("rope_theta", clean(m.floatOr(a + ".rope.freq_base", 10000f)));
        int headDim = m.intOr(a + ".attention.key_length", dim / heads, 1, Integer.MAX_VALUE);
        if (headDim != dim / heads) {
            o.put("head_dim", headDim);
        }
        o.put("tie_word_embeddings", !tensors.contains("output.weight"));
        exportExtraConfig(o, m, tensors);
    }

    protected void exportExtraConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
    }

    /** Export work that needs the tensors' shapes or writes files beside config.json. */
    public void exportExtras(GgufFile gguf, ObjectNode config, Path dir) throws IOException {
    }

    /** Query heads, from GGUF. */
    public int heads(GgufMetadata m) {
        return m.requireInt(ggufArch() + ".attention.head_count", 1, Integer.MAX_VALUE);
    }

    public int kvHeads(GgufMetadata m) {
        return m.intOr(ggufArch() + ".attention.head_count_kv", heads(m), 1, Integer.MAX_VALUE);
    }

    /** A float32 as the shortest decimal that reads back as the same float (1e-5f, not 9.999999747378752e-6). */
    protected static double clean(float f) {
        return Double.parseDouble(Float.toString(f));
    }
}
