package dev.caravel.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Access to the shared, read-only test data ({@code -Dcaravel.shared}). */
final class TestData {
    private static final Map<Path, LlamaTokenizer> CACHE = new ConcurrentHashMap<>();

    private TestData() {
    }

    static Path shared() {
        String dir = System.getProperty("caravel.shared");
        if (dir == null) {
            throw new IllegalStateException("system property caravel.shared is not set");
        }
        return Path.of(dir);
    }

    static Path tokenizerVectors() {
        return shared().resolve("reference/tokenizer");
    }

    static Path qwen3TokenizerJson() {
        return shared().resolve("tokenizers/qwen3/tokenizer.json");
    }

    /** Tokenizers are slow-ish to build (big vocabularies); tests share them. */
    static LlamaTokenizer gguf(Path file) {
        return CACHE.computeIfAbsent(file, Tokenizers::fromGguf);
    }

    static LlamaTokenizer qwen3() {
        return CACHE.computeIfAbsent(qwen3TokenizerJson(), Tokenizers::fromTokenizerJson);
    }

    /** One llama.cpp test case: input text and expected ids. */
    record Case(String text, int[] ids) {
        @Override
        public String toString() {
            String shown = text.replace("\n", "\\n").replace("\t", "\\t");
            return "'" + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown) + "'";
        }
    }

    /**
     * Reads {@code NAME.gguf.inp} / {@code .out} the way llama.cpp's test-tokenizer-0 does: inputs are
     * separated by {@code "\n__ggml_vocab_test__\n"}, outputs are one line of ids per input.
     */
    static List<Case> readCases(Path inp, Path out) {
        try {
            String raw = Files.readString(inp, StandardCharsets.UTF_8);
            List<String> outputs = Files.readAllLines(out, StandardCharsets.UTF_8);
            String sep = "\n__ggml_vocab_test__\n";
            List<String> inputs = new ArrayList<>();
            int pos = 0;
            while (pos < raw.length()) {
                int next = raw.indexOf(sep, pos);
                if (next < 0) {
                    inputs.add(raw.substring(pos));
                    break;
                }
                inputs.add(raw.substring(pos, next));
                pos = next + sep.length();
            }
            if (inputs.size() != outputs.size()) {
                throw new IllegalStateException(inp + ": " + inputs.size() + " inputs but " + outputs.size() + " outputs");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String line = outputs.get(i).strip();
                int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(inputs.get(i), ids));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
