package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.format.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Small random Hugging Face checkpoints for architectures without a shared GGUF: config.json,
 * model.safetensors with random weights, and a byte-level BPE tokenizer cut down from the shared
 * Qwen3 tokenizer.json (its first {@link #BASE_TOKENS} tokens, the merges among them, and three
 * special tokens renumbered after them).
 */
final class HfFixture {
    static final int BASE_TOKENS = 1000;
    static final int VOCAB = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ObjectNode tokenizer;
    private static ObjectNode tokenizerConfig;

    private final Path dir;
    private final ObjectNode config = JSON.createObjectNode();
    private final Map<String, long[]> tensors = new LinkedHashMap<>();
    private final Map<String, float[]> ranges = new HashMap<>();

    HfFixture(Path dir, String architecture) {
        this.dir = dir;
        config.putArray("architectures").add(architecture);
        config.put("vocab_size", VOCAB);
    }

    ObjectNode config() {
        return config;
    }

    HfFixture tensor(String name, long... shape) {
        tensors.put(name, shape);
        return this;
    }

    /** Values of {@code name} uniform in [lo, hi) instead of the default ±0.1 (Gemma's norms). */
    HfFixture range(String name, float lo, float hi) {
        ranges.put(name, new float[]{lo, hi});
        return this;
    }

    /** A Llama-style block set: {@code layers} blocks, optional extras added by the caller. */
    HfFixture llamaBlocks(int layers, int dim, int qDim, int kvDim, int ffn, boolean bias, boolean gateUpFused) {
        tensor("model.embed_tokens.weight", VOCAB, dim);
        tensor("model.norm.weight", dim);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            tensor(p + "input_layernorm.weight", dim);
            tensor(p + "self_attn.q_proj.weight", qDim, dim);
            tensor(p + "self_attn.k_proj.weight", kvDim, dim);
            tensor(p + "self_attn.v_proj.weight", kvDim, dim);
            if (bias) {
                tensor(p + "self_attn.q_proj.bias", qDim);
                tensor(p + "self_attn.k_proj.bias", kvDim);
                tensor(p + "self_attn.v_proj.bias", kvDim);
            }
            tensor(p + "self_attn.o_proj.weight", dim, qDim);
            tensor(p + "post_attention_layernorm.weight", dim);
            if (gateUpFused) {
                tensor(p + "mlp.gate_up_proj.weight", 2L * ffn, dim);
            } else {
                tensor(p + "mlp.gate_proj.weight", ffn, dim);
                tensor(p + "mlp.up_proj.weight", ffn, dim);
            }
            tensor(p + "mlp.down_proj.weight", dim, ffn);
        }
        return this;
    }

    /** Writes config.json, model.safetensors (in {@code dtype}) and the tokenizer files. */
    Path write(SafetensorsDType dtype, long seed) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        Random random = new Random(seed);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"))) {
            tensors.forEach((name, shape) -> w.addTensor(name, dtype, shape));
            for (var e : tensors.entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                float[] range = ranges.getOrDefault(e.getKey(), new float[]{-0.1f, 0.1f});
                float[] values = new float[(int) n];
                for (int i = 0; i < values.length; i++) {
                    values[i] = range[0] + (range[1] - range[0]) * random.nextFloat();
                }
                w.writeTensor(e.getKey(), values);
            }
        }
        writeTokenizer();
        return dir;
    }

    private void writeTokenizer() throws IOException {
        loadTokenizer();
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig);
    }

    private static synchronized void loadTokenizer() throws IOException {
        if (tokenizer != null) {
            return;
        }
        Path q = ConvertTesting.shared().resolve("tokenizers/qwen3");
        ObjectNode full = (ObjectNode) JSON.readTree(q.resolve("tokenizer.json").toFile());
        ObjectNode model = (ObjectNode) full.get("model");
        ObjectNode vocab = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().asInt() < BASE_TOKENS) {
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        }
        ArrayNode merges = JSON.createArrayNode();
        for (JsonNode m : model.get("merges")) {
            String a = m.get(0).asText();
            String b = m.get(1).asText();
            if (vocab.has(a) && vocab.has(b) && vocab.has(a + b)) {
                merges.add(m);
            }
        }
        model.set("vocab", vocab);
        model.set("merges", merges);
        ArrayNode added = JSON.createArrayNode();
        ObjectNode config = (ObjectNode) JSON.readTree(q.resolve("tokenizer_config.json").toFile());
        ObjectNode decoder = JSON.createObjectNode();
        int next = BASE_TOKENS;
        for (JsonNode a : full.get("added_tokens")) {
            if (next == BASE_TOKENS + 3) {
                break;
            }
            ObjectNode copy = a.deepCopy();
            copy.put("id", next);
            added.add(copy);
            ObjectNode d = a.deepCopy();
            d.remove("id");
            decoder.set(Integer.toString(next), d);
            next++;
        }
        full.set("added_tokens", added);
        config.set("added_tokens_decoder", decoder);
        config.remove("additional_special_tokens");
        tokenizer = full;
        tokenizerConfig = config;
    }
}
