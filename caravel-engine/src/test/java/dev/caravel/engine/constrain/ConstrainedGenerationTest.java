package dev.caravel.engine.constrain;

import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.engine.batch.BatchJob;
import dev.caravel.engine.batch.BatchScheduler;
import dev.caravel.engine.batch.JobListener;
import dev.caravel.engine.batch.TokenLogprobs;
import dev.caravel.tokenizer.StreamingDecoder;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Constraints over real vocabularies: Qwen3's 151k-token byte-level BPE (random logits: the worst case, any
 * allowed token may win) and the 512-token SentencePiece vocabulary of the GGUF test models, end to end
 * through the batch scheduler.
 */
public class ConstrainedGenerationTest {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));
    static Tokenizer qwen;
    static LoadedModel stories;
    static LoadedModel randomQwen2;

    @BeforeAll
    static void load() {
        qwen = Tokenizers.fromTokenizerJson(SHARED.resolve("tokenizers/qwen3/tokenizer.json"));
        stories = LoadedModel.open(SHARED.resolve("models/stories260K.gguf"));
        randomQwen2 = LoadedModel.open(SHARED.resolve("models/random-qwen2-q4_k_m.gguf"));
    }

    @AfterAll
    static void close() {
        stories.close();
        randomQwen2.close();
    }

    /** Output of one generation driven by random logits under {@code c}; asserts the mask always leaves a token. */
    public record Run(String text, int tokens, boolean complete, long[] maskNanos) {
    }

    public static Run randomRun(dev.caravel.engine.TokenConstraint c, Tokenizer t, Random rnd, int budget) {
        c.setTokenBudget(budget);
        float[] logits = new float[t.vocabSize()];
        StreamingDecoder decoder = t.streamingDecoder();
        StringBuilder text = new StringBuilder();
        long[] nanos = new long[budget];
        int n = 0;
        while (n < budget && !c.isComplete()) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = rnd.nextFloat() * 10;
            }
            long s = System.nanoTime();
            c.mask(logits);
            nanos[n] = System.nanoTime() - s;
            int best = -1;
            for (int i = 0; i < logits.length; i++) {
                if (logits[i] != Float.NEGATIVE_INFINITY && (best < 0 || logits[i] > logits[best])) {
                    best = i;
                }
            }
            assertThat(best).as("a token is allowed after '%s'", text).isGreaterThanOrEqualTo(0);
            n++;
            c.accept(best);
            if (t.isEndOfGeneration(best)) {
                break;
            }
            text.append(decoder.push(best));
        }
        text.append(decoder.flush());
        return new Run(text.toString(), n, c.isComplete(), Arrays.copyOf(nanos, n));
    }

    @Test
    void qwenVocabularyRandomLogitsAlwaysValidateWithinTheBudget() {
        Random rnd = new Random(11);
        List<Long> times = new ArrayList<>();
        for (String json : JsonSchemaMatcherTest.SCHEMAS) {
            Object schema = JsonSchemaMatcherTest.parse(json);
            for (int run = 0; run < 2; run++) {
                int budget = 250 + rnd.nextInt(50);
                JsonSchemaConstraint c = JsonSchemaConstraint.compile(schema, qwen);
                Run r = randomRun(c, qwen, rnd, budget);
                assertThat(r.complete).as("complete within %d tokens: %s", budget, r.text).isTrue();
                assertThat(r.text).isEqualTo(c.text());
                assertThat(SchemaValidator.validate(schema, r.text)).as(r.text).isNull();
                for (long x : r.maskNanos) {
                    times.add(x);
                }
            }
        }
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("Qwen3 vocabulary (%d tokens): %d mask calls, median %.3f ms, p90 %.3f ms, max %.3f ms%n",
                qwen.vocabSize(), sorted.length, sorted[sorted.length / 2] / 1e6, sorted[sorted.length * 9 / 10] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    @Test
    void anyJsonObjectOnQwenVocabulary() {
        Random rnd = new Random(5);
        for (int run = 0; run < 5; run++) {
            JsonSchemaConstraint c = JsonSchemaConstraint.anyJsonObject(qwen);
            Run r = randomRun(c, qwen, rnd, 40 + run * 30);
            assertThat(r.complete).as(r.text).isTrue();
            assertThat(SchemaValidator.validate(java.util.Map.of("type", "object"), r.text)).as(r.text).isNull();
        }
    }

    @Test
    void tightBudgetsStillClose() {
        Object schema = JsonSchemaMatcherTest.parse("""
                {"type":"object","properties":{"a":{"type":"array","items":{"type":"string"}},"b":{"type":"integer","minimum":1000}},
                 "required":["a","b"]}""");
        Random rnd = new Random(3);
        // {"a":[],"b":1000} is 17 bytes: a budget of 17 tokens is always enough.
        for (int budget = 17; budget < 40; budget++) {
            for (Tokenizer t : List.of(qwen, stories.tokenizer())) {
                JsonSchemaConstraint c = JsonSchemaConstraint.compile(schema, t);
                Run r = randomRun(c, t, rnd, budget);
                assertThat(r.complete).as("budget %d: %s", budget, r.text).isTrue();
                assertThat(SchemaValidator.validate(schema, r.text)).isNull();
            }
        }
    }

    @Test
    void sentencePieceVocabularyRandomLogits() {
        Random rnd = new Random(2);
        for (String json : JsonSchemaMatcherTest.SCHEMAS) {
            Object schema = JsonSchemaMatcherTest.parse(json);
            for (int run = 0; run < 3; run++) {
                JsonSchemaConstraint c = JsonSchemaConstraint.compile(schema, stories.tokenizer());
                Run r = randomRun(c, stories.tokenizer(), rnd, 300);
                assertThat(r.complete).as(r.text).isTrue();
                assertThat(SchemaValidator.validate(schema, r.text)).as(r.text).isNull();
            }
        }
    }

    public static final class Collector implements JobListener {
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();

        public CompletableFuture<GenerationResult> done() {
            return done;
        }

        @Override
        public void onPrompt(int promptTokens, int reusedTokens, TokenLogprobs[] promptLogprobs) {
        }

        @Override
        public boolean onToken(int token, String piece, TokenLogprobs lp) {
            text.append(piece);
            return true;
        }

        @Override
        public void onComplete(GenerationResult result) {
            done.complete(result);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }
    }

    @Test
    void batchSchedulerEndToEnd() throws Exception {
        List<String> schemas = List.of(JsonSchemaMatcherTest.SCHEMAS.get(0), JsonSchemaMatcherTest.SCHEMAS.get(2),
                JsonSchemaMatcherTest.SCHEMAS.get(10), JsonSchemaMatcherTest.SCHEMAS.get(14), JsonSchemaMatcherTest.SCHEMAS.get(18));
        for (LoadedModel m : List.of(stories, randomQwen2)) {
            try (BatchScheduler sched = BatchScheduler.forModel(m, 3, 512, 16)) {
                List<Collector> cs = new ArrayList<>();
                List<Object> parsed = new ArrayList<>();
                int i = 0;
                for (String json : schemas) {
                    for (SamplingParams sp : List.of(SamplingParams.greedy(), SamplingParams.defaults().withSeed(i++))) {
                        Object schema = JsonSchemaMatcherTest.parse(json);
                        Collector c = new Collector();
                        int[] prompt = m.tokenizer().encode("Once upon a time, a JSON value:");
                        sched.submit(new BatchJob(prompt, GenerationRequest.of(120, sp), -1, false,
                                JsonSchemaConstraint.compile(schema, m.tokenizer()), c));
                        cs.add(c);
                        parsed.add(schema);
                    }
                }
                for (int k = 0; k < cs.size(); k++) {
                    GenerationResult r = cs.get(k).done.get(120, TimeUnit.SECONDS);
                    assertThat(r.finishReason()).as(r.text()).isEqualTo(FinishReason.STOP);
                    assertThat(r.text()).isEqualTo(cs.get(k).text.toString());
                    assertThat(SchemaValidator.validate(parsed.get(k), r.text())).as(r.text()).isNull();
                }
            }
        }
    }
}
