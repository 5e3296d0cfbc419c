package dev.caravel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The prompts llama.cpp tokenized for every model in {@code shared/models} (with BOS, special texts
 * not parsed) and the text it printed for its greedy continuations.
 */
class LlamaCppReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> promptsAndContinuations() throws IOException {
        Path dir = TestData.shared().resolve("reference/llama.cpp");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path json : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String name = json.getFileName().toString();
                String modelName = name.substring(0, name.indexOf('.'));
                Path model = TestData.shared().resolve("models/" + modelName + ".gguf");
                JsonNode ref = JSON.readTree(json.toFile());
                tests.add(DynamicTest.dynamicTest(name + " prompt", () -> {
                    LlamaTokenizer tokenizer = TestData.gguf(model);
                    assertThat(tokenizer.vocabSize()).isEqualTo(ref.path("n_vocab").asInt());
                    assertThat(tokenizer.encode(ref.path("prompt").asText(), true, false)).containsExactly(ints(ref.path("prompt_ids")));
                }));
                tests.add(DynamicTest.dynamicTest(name + " greedy text", () -> {
                    LlamaTokenizer tokenizer = TestData.gguf(model);
                    int[] greedy = ints(ref.path("greedy_ids"));
                    String expected = ref.path("greedy_text").asText();
                    StreamingDecoder stream = new StreamingDecoder(tokenizer, false, false);
                    StringBuilder streamed = new StringBuilder();
                    for (int id : greedy) {
                        streamed.append(stream.push(id));
                    }
                    streamed.append(stream.flush());
                    assertThat(streamed.toString()).isEqualTo(expected);
                }));
            }
        }
        return tests.stream();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
