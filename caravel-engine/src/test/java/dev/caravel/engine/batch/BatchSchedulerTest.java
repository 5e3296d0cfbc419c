package dev.caravel.engine.batch;

import dev.caravel.engine.ContextOverflowException;
import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.model.DecoderState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchSchedulerTest {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));
    static LoadedModel stories;

    @BeforeAll
    static void load() {
        stories = LoadedModel.open(SHARED.resolve("models/stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        stories.close();
    }

    /** Collects one job's output and waits for its end. */
    static class Collector implements JobListener {
        final StringBuilder text = new StringBuilder();
        final List<Integer> tokens = new ArrayList<>();
        final List<TokenLogprobs> logprobs = new ArrayList<>();
        TokenLogprobs[] promptLogprobs;
        int reused = -1;
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();
        volatile int cancelAfter = Integer.MAX_VALUE;

        @Override
        public void onPrompt(int promptTokens, int reusedTokens, TokenLogprobs[] promptLogprobs) {
            this.reused = reusedTokens;
            this.promptLogprobs = promptLogprobs;
        }

        @Override
        public boolean onToken(int token, String piece, TokenLogprobs lp) {
            text.append(piece);
            if (token >= 0) {
                tokens.add(token);
                logprobs.add(lp);
            }
            return tokens.size() < cancelAfter;
        }

        @Override
        public void onComplete(GenerationResult result) {
            done.complete(result);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }

        GenerationResult result() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }

    static int[] prompt(String text) {
        return stories.tokenizer().encode(text);
    }

    static BatchJob job(int[] prompt, int maxTokens, SamplingParams sampling, int logprobs, Collector c) {
        return new BatchJob(prompt, GenerationRequest.of(maxTokens, sampling), logprobs, false, null, c);
    }

    /** Greedy tokens of a prompt evaluated one token at a time on a sequence of its own. */
    static List<Integer> aloneGreedy(int[] prompt, int n) {
        DecoderState s = stories.model().newState(256);
        float[] logits = null;
        for (int i = 0; i < prompt.length; i++) {
            logits = stories.model().forward(s, prompt[i], i);
        }
        List<Integer> out = new ArrayList<>();
        int pos = prompt.length;
        for (int i = 0; i < n; i++) {
            int t = dev.caravel.engine.Sampler.argmax(logits);
            out.add(t);
            logits = stories.model().forward(s, t, pos++);
        }
        return out;
    }

    @Test
    void concurrentJobsGetExactlyWhatTheyGetAlone() throws Exception {
        String[] texts = {"Once upon a time", "The little dog", "Lily and Ben went to the park", "One day"};
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 4, 256, 8)) {
            List<Collector> cs = new ArrayList<>();
            for (String t : texts) {
                Collector c = new Collector();
                cs.add(c);
                sched.submit(job(prompt(t), 40, SamplingParams.greedy(), 3, c));
            }
            for (int i = 0; i < texts.length; i++) {
                GenerationResult r = cs.get(i).result();
                assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
                assertThat(cs.get(i).tokens).containsExactlyElementsOf(aloneGreedy(prompt(texts[i]), 40));
                assertThat(cs.get(i).text.toString()).isEqualTo(r.text());
            }
            assertThat(sched.stats().steps()).isLessThan(4 * 41);
            assertThat(sched.stats().active()).isZero();
        }
    }

    @Test
    void quantizedWeightsBatchedFourAtATimeGiveTheAloneResults() throws Exception {
        // Q4_K/Q6_K weights: rows go through the four-row kernels when five jobs decode together.
        try (LoadedModel q = LoadedModel.open(SHARED.resolve("models/random-llama-q4_k_m.gguf"))) {
            String[] texts = {"Once upon a time", "The little dog", "Lily and Ben", "One day", "A cat sat"};
            List<List<Integer>> alone = new ArrayList<>();
            List<List<TokenLogprobs>> aloneLp = new ArrayList<>();
            try (BatchScheduler one = BatchScheduler.forModel(q, 1, 128, 8)) {
                for (String t : texts) {
                    Collector c = new Collector();
                    one.submit(new BatchJob(q.tokenizer().encode(t), GenerationRequest.of(24, SamplingParams.greedy()), 2,
                            false, null, c));
                    c.result();
                    alone.add(c.tokens);
                    aloneLp.add(c.logprobs);
                }
            }
            try (BatchScheduler five = BatchScheduler.forModel(q, 5, 128, 8)) {
                List<Collector> cs = new ArrayList<>();
                for (String t : texts) {
                    Collector c = new Collector();
                    cs.add(c);
                    five.submit(new BatchJob(q.tokenizer().encode(t), GenerationRequest.of(24, SamplingParams.greedy()), 2,
                            false, null, c));
                }
                for (int i = 0; i < texts.length; i++) {
                    cs.get(i).result();
                    assertThat(cs.get(i).tokens).isEqualTo(alone.get(i));
                    for (int k = 0; k < alone.get(i).size(); k++) {
                        assertThat(cs.get(i).logprobs.get(k).logprob()).isEqualTo(aloneLp.get(i).get(k).logprob());
                    }
                }
            }
        }
    }

    @Test
    void samplingOnTheWorkersGivesTheSameTokens() throws Exception {
        // two threads: a step's unconstrained slots draw their tokens in parallel, each with its own sampler
        SamplingParams sampling = SamplingParams.defaults().withSeed(7);
        String[] texts = {"Once upon a time", "Tom had a red ball", "The sun was", "Lily and her mom"};
        List<List<Integer>> alone = new ArrayList<>();
        try (BatchScheduler one = BatchScheduler.forModel(stories, 1, 256, 4)) {
            for (String t : texts) {
                Collector c = new Collector();
                one.submit(job(prompt(t), 25, sampling, -1, c));
                c.result();
                alone.add(c.tokens);
            }
        }
        try (LoadedModel two = LoadedModel.open(SHARED.resolve("models/stories260K.gguf"), 2);
             BatchScheduler many = BatchScheduler.forModel(two, 4, 256, 8)) {
            List<Collector> cs = new ArrayList<>();
            for (String t : texts) {
                Collector c = new Collector();
                cs.add(c);
                many.submit(job(prompt(t), 25, sampling, -1, c));
            }
            for (int i = 0; i < texts.length; i++) {
                cs.get(i).result();
                assertThat(cs.get(i).tokens).as(texts[i]).isEqualTo(alone.get(i));
            }
        }
    }

    @Test
    void batchingNeverChangesSampledOutputOrLogprobs() throws Exception {
        SamplingParams sampling = SamplingParams.defaults().withSeed(42);
        int[] p = prompt("Once upon a time, there was a cat");
        Collector alone = new Collector();
        try (BatchScheduler one = BatchScheduler.forModel(stories, 1, 256, 4)) {
            one.submit(job(p, 30, sampling, 5, alone));
            alone.result();
        }
        try (BatchScheduler many = BatchScheduler.forModel(stories, 3, 256, 4)) {
            Collector other1 = new Collector();
            Collector other2 = new Collector();
            many.submit(job(prompt("Tom had a red ball"), 50, SamplingParams.defaults().withSeed(1), -1, other1));
            Collector same = new Collector();
            many.submit(job(p, 30, sampling, 5, same));
            many.submit(job(prompt("The sun"), 10, SamplingParams.greedy(), -1, other2));
            same.result();
            assertThat(same.tokens).isEqualTo(alone.tokens);
            for (int i = 0; i < alone.logprobs.size(); i++) {
                assertThat(same.logprobs.get(i).logprob()).isEqualTo(alone.logprobs.get(i).logprob());
                assertThat(same.logprobs.get(i).topTokens()).containsExactly(alone.logprobs.get(i).topTokens());
            }
            other1.result();
            other2.result();
        }
    }

    @Test
    void logprobsAreNormalizedAndTopIsSorted() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 1, 256, 4)) {
            Collector c = new Collector();
            sched.submit(job(prompt("Once upon a time"), 5, SamplingParams.greedy(), 4, c));
            c.result();
            for (TokenLogprobs lp : c.logprobs) {
                assertThat(lp.topTokens()).hasSize(4);
                // Greedy: the chosen token is the most likely one.
                assertThat(lp.topTokens()[0]).isEqualTo(lp.token());
                assertThat(lp.topLogprobs()[0]).isEqualTo(lp.logprob());
                for (int i = 1; i < 4; i++) {
                    assertThat(lp.topLogprobs()[i]).isLessThanOrEqualTo(lp.topLogprobs()[i - 1]);
                }
                assertThat(lp.logprob()).isLessThanOrEqualTo(0f);
            }
        }
    }

    @Test
    void promptLogprobsMatchTheModelsOwnLogits() throws Exception {
        int[] p = prompt("Once upon a time, there was a girl");
        DecoderState s = stories.model().newState(256);
        float[][] expected = new float[p.length][];
        for (int i = 0; i < p.length; i++) {
            expected[i] = stories.model().forward(s, p[i], i).clone();
        }
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 2, 256, 4)) {
            Collector c = new Collector();
            sched.submit(new BatchJob(p, GenerationRequest.of(1, SamplingParams.greedy()), 2, true, null, c));
            c.result();
            assertThat(c.promptLogprobs).hasSize(p.length - 1);
            for (int i = 0; i < p.length - 1; i++) {
                double norm = Logprobs.logSumExp(expected[i], 0, expected[i].length);
                assertThat(c.promptLogprobs[i].token()).isEqualTo(p[i + 1]);
                assertThat(c.promptLogprobs[i].logprob()).isEqualTo((float) (expected[i][p[i + 1]] - norm));
            }
        }
    }

    @Test
    void aFollowUpPromptReusesTheCachedConversation() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 2, 256, 4)) {
            int[] first = prompt("Once upon a time, there was a dog");
            Collector a = new Collector();
            sched.submit(job(first, 10, SamplingParams.greedy(), -1, a));
            a.result();
            int[] second = prompt("Once upon a time, there was a dog named Max. He liked");
            Collector b = new Collector();
            sched.submit(job(second, 10, SamplingParams.greedy(), -1, b));
            GenerationResult r = b.result();
            assertThat(r.reusedTokens()).isGreaterThanOrEqualTo(first.length - 1);
            assertThat(b.tokens).containsExactlyElementsOf(aloneGreedy(second, 10));
        }
    }

    @Test
    void aSharedPrefixIsCopiedFromABusySlot() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 2, 256, 4)) {
            int[] system = prompt("Once upon a time, there was a little girl named Lily. She loved to play");
            CountDownLatch generating = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Collector long1 = new Collector() {
                @Override
                public boolean onToken(int token, String piece, TokenLogprobs lp) {
                    // Its prompt is cached once it generates; it stays busy until the second job has run.
                    generating.countDown();
                    if (tokens.size() == 3) {
                        await(release);
                    }
                    return super.onToken(token, piece, lp);
                }
            };
            sched.submit(job(system, 100, SamplingParams.greedy(), -1, long1));
            assertThat(generating.await(30, TimeUnit.SECONDS)).isTrue();
            int[] other = prompt("Once upon a time, there was a little girl named Lily. She loved to play with her cat");
            Collector c = new Collector();
            sched.submit(job(other, 10, SamplingParams.greedy(), -1, c));
            release.countDown();
            GenerationResult r = c.result();
            assertThat(r.reusedTokens()).isGreaterThan(10);
            assertThat(c.tokens).containsExactlyElementsOf(aloneGreedy(other, 10));
            long1.result();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void cancellingFreesTheSlotForWaitingJobs() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 1, 256, 4)) {
            CountDownLatch submitted = new CountDownLatch(1);
            JobHandle[] h = new JobHandle[1];
            Collector first = new Collector() {
                @Override
                public boolean onToken(int token, String piece, TokenLogprobs lp) {
                    if (tokens.size() == 2) {
                        await(submitted);
                        // As a client thread would, between two steps: the next step must not run this job.
                        h[0].cancel();
                    }
                    return super.onToken(token, piece, lp);
                }
            };
            h[0] = sched.submit(job(prompt("Once upon a time"), -1, SamplingParams.greedy(), -1, first));
            Collector second = new Collector();
            sched.submit(job(prompt("The dog"), 5, SamplingParams.greedy(), -1, second));
            submitted.countDown();
            assertThat(first.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(first.tokens).hasSize(3);
            assertThat(second.result().tokens()).hasSize(5);
            assertThat(h[0].isDone()).isTrue();
            assertThat(sched.stats().active()).isZero();
        }
    }

    @Test
    void aListenerThatSaysStopCancels() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 2, 256, 4)) {
            Collector c = new Collector();
            c.cancelAfter = 3;
            sched.submit(job(prompt("Once upon a time"), 50, SamplingParams.greedy(), -1, c));
            GenerationResult r = c.result();
            assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(c.tokens).hasSize(3);
        }
    }

    @Test
    void stopStringsAndContextEnd() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 2, 64, 4)) {
            Collector c = new Collector();
            sched.submit(new BatchJob(prompt("Once upon a time"), new GenerationRequest(50, SamplingParams.greedy(),
                    List.of("Lily"), false), -1, false, null, c));
            GenerationResult r = c.result();
            assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(r.text()).doesNotContain("Lily").isEqualTo(c.text.toString());

            Collector full = new Collector();
            sched.submit(job(prompt("Once upon a time"), -1, SamplingParams.greedy(), -1, full));
            GenerationResult f = full.result();
            assertThat(f.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(f.promptTokens() + f.tokens().length).isLessThanOrEqualTo(64);
        }
    }

    @Test
    void badSubmissionsAreRefusedAtOnce() {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 1, 32, 0)) {
            int[] tooLong = new int[40];
            assertThatThrownBy(() -> sched.submit(job(tooLong, 5, SamplingParams.greedy(), -1, new Collector())))
                    .isInstanceOf(ContextOverflowException.class).hasMessageContaining("40").hasMessageContaining("32");
            assertThatThrownBy(() -> sched.submit(job(new int[]{1, 999_999}, 5, SamplingParams.greedy(), -1, new Collector())))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("999999");
            assertThatThrownBy(() -> job(new int[0], 5, SamplingParams.greedy(), -1, new Collector()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aFullQueueRefusesWithQueueFull() throws Exception {
        try (BatchScheduler sched = BatchScheduler.forModel(stories, 1, 256, 1)) {
            List<JobHandle> handles = new ArrayList<>();
            List<Collector> cs = new ArrayList<>();
            CountDownLatch started = new CountDownLatch(1);
            Collector first = new Collector() {
                @Override
                public boolean onToken(int token, String piece, TokenLogprobs lp) {
                    started.countDown();
                    return super.onToken(token, piece, lp);
                }
            };
            handles.add(sched.submit(job(prompt("Once upon a time"), -1, SamplingParams.greedy(), -1, first)));
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            Collector waiting = new Collector();
            handles.add(sched.submit(job(prompt("The dog"), 2, SamplingParams.greedy(), -1, waiting)));
            assertThatThrownBy(() -> sched.submit(job(prompt("The cat"), 2, SamplingParams.greedy(), -1, new Collector())))
                    .isInstanceOf(QueueFullException.class);
            handles.get(0).cancel();
            assertThat(waiting.result().tokens()).hasSize(2);
            cs.add(first);
        }
    }

    @Test
    void closingCancelsRunningAndWaitingJobs() throws Exception {
        BatchScheduler sched = BatchScheduler.forModel(stories, 1, 256, 4);
        Collector running = new Collector();
        Collector waiting = new Collector();
        sched.submit(job(prompt("Once upon a time"), -1, SamplingParams.greedy(), -1, running));
        sched.submit(job(prompt("The dog"), 5, SamplingParams.greedy(), -1, waiting));
        Thread.sleep(50);
        sched.close();
        assertThat(running.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(waiting.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThatThrownBy(() -> sched.submit(job(prompt("x"), 1, SamplingParams.greedy(), -1, new Collector())))
                .isInstanceOf(IllegalStateException.class);
    }
}
