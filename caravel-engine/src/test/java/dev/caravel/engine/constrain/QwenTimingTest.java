package dev.caravel.engine.constrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

class QwenTimingTest {
    @Test
    void timing() throws Exception {
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizers.fromTokenizerJson(Path.of(System.getProperty("caravel.shared"), "tokenizers/qwen3/tokenizer.json"));
        long t1 = System.nanoTime();
        TokenTrie trie = TokenTrie.of(tok);
        long t2 = System.nanoTime();
        System.out.printf("tokenizer %.0f ms, trie %.0f ms, %d nodes, depth %d, singles %s, plain %d, nonPlain nodes %d%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, trie.all.nodes, trie.maxDepth(), trie.allSingleBytes, trie.plain.length, trie.nonPlain.nodes);
        Object schema = new ObjectMapper().readValue("""
                {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"]}""", Map.class);
        String[] prefixes = {"", "{", "{\"", "{\"name\": \"", "{\"name\": \"Bob", "{\"name\": \"Bob\", \"age\": 1"};
        float[] logits = new float[tok.vocabSize()];
        for (String p : prefixes) {
            JsonSchemaConstraint c = JsonSchemaConstraint.compile(schema, tok);
            int[] ids = tok.encode(p, false, false);
            for (int id : ids) {
                c.accept(id);
            }
            int allowed = 0;
            long best = Long.MAX_VALUE;
            for (int rep = 0; rep < 30; rep++) {
                java.util.Arrays.fill(logits, 1f);
                long s = System.nanoTime();
                c.mask(logits);
                best = Math.min(best, System.nanoTime() - s);
            }
            for (float l : logits) {
                allowed += l > 0 ? 1 : 0;
            }
            System.out.printf("after '%s': %d allowed, %.2f ms%n", p, allowed, best / 1e6);
        }
    }
}
