package dev.caravel.tools.convert.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufMetadata;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.gguf.GgufWriter;
import dev.caravel.tools.convert.ArchMapping;
import dev.caravel.tools.convert.ConvertException;
import dev.caravel.tools.convert.GgufToHf;
import dev.caravel.tools.convert.HfConfig;
import dev.caravel.tools.convert.TensorRule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * BERT encoders ({@code BertModel}, {@code BertForMaskedLM}, sentence-transformers checkpoints),
 * converted as llama.cpp's {@code BertModel} does: the {@code bert.} prefix and TF-style
 * {@code gamma}/{@code beta} names are normalised, the pooler and the masked-LM / next-sentence
 * heads are dropped (embeddings only), {@code attention.causal} is false, the pooling type comes
 * from the sentence-transformers {@code modules.json} → {@code Pooling/config.json} when present,
 * and {@code tokenizer.ggml.token_type_count} is {@code type_vocab_size}. No layout change: BERT
 * has no RoPE, and every matrix keeps its PyTorch row order.
 */
public final class BertMapping extends ArchMapping {
    /** sentence-transformers' module class for pooling, as named in {@code modules.json}. */
    static final String POOLING_MODULE = "sentence_transformers.models.Pooling";

    @Override
    public String ggufArch() {
        return "bert";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("BertModel", "BertForMaskedLM");
    }

    @Override
    public String modelType() {
        return "bert";
    }

    @Override
    public boolean wordPiece() {
        return true;
    }

    @Override
    public List<TensorRule> rules() {
        return List.of(
                TensorRule.of("embeddings.word_embeddings.weight", "token_embd.weight"),
                TensorRule.of("embeddings.position_embeddings.weight", "position_embd.weight"),
                TensorRule.of("embeddings.token_type_embeddings.weight", "token_types.weight"),
                TensorRule.of("embeddings.LayerNorm.weight", "token_embd_norm.weight"),
                TensorRule.of("embeddings.LayerNorm.bias", "token_embd_norm.bias"),
                TensorRule.of("encoder.layer.{N}.attention.self.query.weight", "blk.{N}.attn_q.weight"),
                TensorRule.of("encoder.layer.{N}.attention.self.query.bias", "blk.{N}.attn_q.bias"),
                TensorRule.of("encoder.layer.{N}.attention.self.key.weight", "blk.{N}.attn_k.weight"),
                TensorRule.of("encoder.layer.{N}.attention.self.key.bias", "blk.{N}.attn_k.bias"),
                TensorRule.of("encoder.layer.{N}.attention.self.value.weight", "blk.{N}.attn_v.weight"),
                TensorRule.of("encoder.layer.{N}.attention.self.value.bias", "blk.{N}.attn_v.bias"),
                TensorRule.of("encoder.layer.{N}.attention.output.dense.weight", "blk.{N}.attn_output.weight"),
                TensorRule.of("encoder.layer.{N}.attention.output.dense.bias", "blk.{N}.attn_output.bias"),
                TensorRule.of("encoder.layer.{N}.attention.output.LayerNorm.weight", "blk.{N}.attn_output_norm.weight"),
                TensorRule.of("encoder.layer.{N}.attention.output.LayerNorm.bias", "blk.{N}.attn_output_norm.bias"),
                TensorRule.of("encoder.layer.{N}.intermediate.dense.weight", "blk.{N}.ffn_up.weight"),
                TensorRule.of("encoder.layer.{N}.intermediate.dense.bias", "blk.{N}.ffn_up.bias"),
                TensorRule.of("encoder.layer.{N}.output.dense.weight", "blk.{N}.ffn_down.weight"),
                TensorRule.of("encoder.layer.{N}.output.dense.bias", "blk.{N}.ffn_down.bias"),
                TensorRule.of("encoder.layer.{N}.output.LayerNorm.weight", "blk.{N}.layer_output_norm.weight"),
                TensorRule.of("encoder.layer.{N}.output.LayerNorm.bias", "blk.{N}.layer_output_norm.bias"));
    }

    @Override
    public String normalize(String hfName) {
        // BertForMaskedLM nests the encoder under "bert."; old TF ports name LayerNorm parameters gamma/beta.
        String n = hfName.startsWith("bert.") ? hfName.substring(5) : hfName;
        if (n.endsWith(".gamma")) {
            n = n.substring(0, n.length() - 6) + ".weight";
        } else if (n.endsWith(".beta")) {
            n = n.substring(0, n.length() - 5) + ".bias";
        }
        return n;
    }

    @Override
    public boolean ignored(String hfName) {
        // Embeddings use the last hidden state only: the pooler and the pre-training heads are not needed.
        String n = normalize(hfName);
        return n.equals("embeddings.position_ids") || n.startsWith("pooler.") || n.startsWith("cls.predictions")
                || n.startsWith("cls.seq_relationship");
    }

    @Override
    public void writeModelMetadata(Path dir, HfConfig c, GgufWriter w) {
        w.putBool("bert.attention.causal", false);
        String pooling = poolingPath(dir);
        if (pooling != null) {
            Path file = dir.resolve(pooling).resolve("config.json");
            HfConfig p = HfConfig.read(file, true);
            if (p.bool("pooling_mode_mean_tokens").orElse(false)) {
                w.putUInt32("bert.pooling_type", 1);
            } else if (p.bool("pooling_mode_cls_token").orElse(false)) {
                w.putUInt32("bert.pooling_type", 2);
            } else {
                throw new ConvertException(file + ": only mean and CLS pooling can be converted (as in llama.cpp)");
            }
        }
        w.putUInt32("tokenizer.ggml.token_type_count", c.intOr(1, "type_vocab_size"));
    }

    /** The Pooling module's folder from {@code modules.json}, or null without one. */
    private static String poolingPath(Path dir) {
        Path modules = dir.resolve("modules.json");
        if (!Files.isRegularFile(modules)) {
            return null;
        }
        JsonNode list;
        try {
            list = HfConfig.JSON.readTree(modules.toFile());
        } catch (IOException e) {
            throw new ConvertException(modules + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (list == null || !list.isArray()) {
            throw new ConvertException(modules + ": expected a JSON array of modules");
        }
        for (JsonNode m : list) {
            if (POOLING_MODULE.equals(m.path("type").asText())) {
                return m.path("path").asText("");
            }
        }
        return null;
    }

    @Override
    public void exportConfig(ObjectNode o, GgufMetadata m, Set<String> tensors) {
        int dim = m.requireInt("bert.embedding_length", 1, Integer.MAX_VALUE);
        o.put("hidden_size", dim);
        o.put("intermediate_size", m.intOr("bert.feed_forward_length", 4 * dim, 1, Integer.MAX_VALUE));
        o.put("num_hidden_layers", m.requireInt("bert.block_count", 1, Integer.MAX_VALUE));
        o.put("num_attention_heads", heads(m));
        o.put("max_position_embeddings", m.intOr("bert.context_length", 512, 1, Integer.MAX_VALUE));
        o.put("layer_norm_eps", clean(m.floatOr("bert.attention.layer_norm_epsilon", 1e-12f)));
        // llama.cpp's BERT graph uses GELU; Hugging Face's "gelu" is the erf form, the nearest it has.
        o.put("hidden_act", "gelu");
        o.put("position_embedding_type", "absolute");
        o.put("hidden_dropout_prob", 0.1);
        o.put("attention_probs_dropout_prob", 0.1);
        o.put("initializer_range", 0.02);
    }

    @Override
    public void exportExtras(GgufFile gguf, ObjectNode config, Path dir) throws IOException {
        GgufMetadata m = gguf.meta();
        GgufTensorInfo types = gguf.tensors().get("token_types.weight");
        if (types == null) {
            throw new ConvertException(gguf.path() + ": no token_types.weight; a Hugging Face BertModel needs token type embeddings");
        }
        // The token-type table's rows are type_vocab_size, whatever token_type_count says.
        config.put("type_vocab_size", types.dims().length < 2 ? 1 : types.dims()[1]);
        long pooling = m.integer("bert.pooling_type").orElse(0L);
        Path poolDir = dir.resolve("1_Pooling");
        if (pooling != 1 && pooling != 2) {
            // Without a pooling type the directory is a plain transformers model, as llama.cpp expects it.
            Files.deleteIfExists(dir.resolve("modules.json"));
            Files.deleteIfExists(poolDir.resolve("config.json"));
            return;
        }
        ArrayNode modules = HfConfig.JSON.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling").put("type", POOLING_MODULE);
        GgufToHf.writeJson(dir.resolve("modules.json"), modules);
        Files.createDirectories(poolDir);
        ObjectNode p = HfConfig.JSON.createObjectNode();
        p.put("word_embedding_dimension", m.requireInt("bert.embedding_length", 1, Integer.MAX_VALUE));
        p.put("pooling_mode_cls_token", pooling == 2);
        p.put("pooling_mode_mean_tokens", pooling == 1);
        p.put("pooling_mode_max_tokens", false);
        p.put("pooling_mode_mean_sqrt_len_tokens", false);
        GgufToHf.writeJson(poolDir.resolve("config.json"), p);
        ObjectNode st = HfConfig.JSON.createObjectNode();
        st.put("max_seq_length", m.intOr("bert.context_length", 512, 1, Integer.MAX_VALUE));
        st.put("do_lower_case", false);
        GgufToHf.writeJson(dir.resolve("sentence_bert_config.json"), st);
    }
}
