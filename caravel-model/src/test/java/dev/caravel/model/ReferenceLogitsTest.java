package dev.caravel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.format.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the forward pass to llama.cpp's outputs in {@code shared/reference/llama.cpp}: every prompt
 * position's full logit vector and the 64-token greedy continuation, within the bounds the
 * reference README states (F32: max |Δ| ≤ 1e-3 and identical greedy ids; other types: RMS ≤ 0.05,
 * top-1 agreement ≥ 95 %, first 8 greedy ids equal).
 */
class ReferenceLogitsTest {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));

    static Stream<Path> references() throws IOException {
        try (Stream<Path> files = Files.list(SHARED.resolve("reference/llama.cpp"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("references")
    void matchesLlamaCpp(Path reference) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(reference.toFile());
        String name = reference.getFileName().toString();
        String modelName = name.substring(0, name.indexOf('.')) + ".gguf";
        boolean exact = modelName.contains("f32") || modelName.startsWith("stories");
        int[] promptIds = ints(ref.get("prompt_ids"));
        int[] greedyIds = ints(ref.get("greedy_ids"));

        try (GgufFile file = GgufFile.open(SHARED.resolve("models").resolve(modelName))) {
            LanguageModel model = Architectures.load(file);
            DecoderState state = model.newState(promptIds.length + greedyIds.length + 1);
            int vocab = model.config().vocabSize();
            assertThat(vocab).isEqualTo(ref.get("n_vocab").asInt());

            double maxAbs = 0;
            double sumSq = 0;
            long count = 0;
            int top1Agree = 0;
            // The prompt as the engine evaluates it: one batched call (llama.cpp's batch numerics).
            float[][] promptLogits = new float[promptIds.length][];
            state.setBatchNumerics(true);
            float[] logits = model.forward(state, promptIds, 0, promptIds.length, 0, (p, l) -> promptLogits[p] = l.clone());
            for (int p = 0; p < promptIds.length; p++) {
                JsonNode expected = ref.get("prompt_logits").get(p);
                for (int i = 0; i < vocab; i++) {
                    double d = promptLogits[p][i] - expected.get(i).asDouble();
                    maxAbs = Math.max(maxAbs, Math.abs(d));
                    sumSq += d * d;
                    count++;
                }
                if (argmax(promptLogits[p]) == argmaxJson(expected)) {
                    top1Agree++;
                }
            }
            double rms = Math.sqrt(sumSq / count);
            state.setBatchNumerics(false);
            int[] ours = new int[greedyIds.length];
            int pos = promptIds.length;
            for (int k = 0; k < greedyIds.length; k++) {
                ours[k] = argmax(logits);
                // Follow the reference's own path so one early divergence doesn't cascade.
                logits = model.forward(state, greedyIds[k], pos++);
            }
            String summary = String.format("%s: max|Δ|=%.2e rms=%.2e top1=%d/%d", name, maxAbs, rms, top1Agree, promptIds.length);
            System.out.println(summary);
            if (exact) {
                assertThat(maxAbs).as(summary).isLessThanOrEqualTo(1e-3);
                assertThat(ours).as(summary).containsExactly(greedyIds);
            } else {
                assertThat(rms).as(summary).isLessThanOrEqualTo(0.05);
                assertThat((double) top1Agree / promptIds.length).as(summary).isGreaterThanOrEqualTo(0.95);
                for (int k = 0; k < 8; k++) {
                    assertThat(ours[k]).as(summary + " greedy id " + k).isEqualTo(greedyIds[k]);
                }
            }
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    static int argmaxJson(JsonNode x) {
        int best = 0;
        for (int i = 1; i < x.size(); i++) {
            if (x.get(i).asDouble() > x.get(best).asDouble()) {
                best = i;
            }
        }
        return best;
    }
}
