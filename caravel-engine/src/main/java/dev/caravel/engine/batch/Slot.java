package dev.caravel.engine.batch;

import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.Sampler;
import dev.caravel.engine.StopMatcher;
import dev.caravel.engine.TokenConstraint;
import dev.caravel.model.DecoderState;
import dev.caravel.model.LanguageModel;
import dev.caravel.tokenizer.StreamingDecoder;
import dev.caravel.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * One sequence of a {@link BatchScheduler}: its KV cache, the tokens the cache holds (kept after a job
 * ends, so the next job with the same prefix reuses them), and the running job's sampling and text
 * state. Used by the scheduler's thread only.
 */
final class Slot {
    final DecoderState cache;
    /** The tokens whose keys and values {@link #cache} holds, positions 0..cached-1. */
    final int[] tokens;
    int cached;
    long lastUsed;

    private final Tokenizer tokenizer;
    private final int vocab;
    private final float[] logits;     // (vocab) this step's logits, modified by constraint and sampler
    private final float[] raw;        // (vocab) an untouched copy, when log-probabilities are wanted

    JobHandle handle;
    private BatchJob job;
    private int[] prompt;
    /** Next prompt index to evaluate; equals the prompt length once the prompt is done. */
    int next;
    /** A sampled token still to be evaluated, or -1. */
    int pending = -1;
    private int reused;
    private TokenLogprobs[] promptLogprobs;
    private Sampler sampler;
    private StreamingDecoder decoder;
    private StopMatcher stops;
    private int[] generated;
    private int generatedCount;
    private int budget;
    private long started;
    private long firstLogits;

    Slot(LanguageModel model, Tokenizer tokenizer, int context) {
        this.cache = new DecoderState(model.config(), context, SINGLE, 1);
        this.tokens = new int[context];
        this.tokenizer = tokenizer;
        this.vocab = model.config().vocabSize();
        this.logits = new float[vocab];
        this.raw = new float[vocab];
    }

    /** Slots only hold caches: their own matrix products never run, so they share one idle pool. */
    private static final dev.caravel.tensor.parallel.WorkerPool SINGLE = new dev.caravel.tensor.parallel.WorkerPool(1);

    boolean busy() {
        return handle != null;
    }

    boolean prefilling() {
        return handle != null && next < prompt.length;
    }

    int[] prompt() {
        return prompt;
    }

    BatchJob job() {
        return job;
    }

    /** How many leading tokens of {@code p} this slot's cache already holds. */
    int commonPrefix(int[] p) {
        int n = 0;
        int max = Math.min(cached, p.length);
        while (n < max && tokens[n] == p[n]) {
            n++;
        }
        return n;
    }

    /**
     * Starts {@code h}'s job with the first {@code reuse} prompt positions already in the cache (the last prompt
     * token always runs: its logits choose the first generated token).
     */
    void start(JobHandle h, int reuse, long now) {
        this.handle = h;
        this.job = h.job;
        this.prompt = job.prompt();
        this.reused = Math.min(reuse, prompt.length - 1);
        this.cached = reused;
        this.next = reused;
        this.pending = -1;
        this.promptLogprobs = job.promptLogprobs() ? new TokenLogprobs[prompt.length - 1] : null;
        this.sampler = new Sampler(job.request().sampling(), vocab);
        for (int t : prompt) {
            sampler.accept(t);
        }
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopMatcher(job.request().stop());
        int max = job.request().maxTokens();
        this.budget = max < 0 ? Integer.MAX_VALUE : max;
        this.generated = new int[Math.min(budget, tokens.length - prompt.length) + 1];
        if (job.constraint() != null) {
            // Generation ends after this many tokens (max_tokens or the context), whichever comes first.
            job.constraint().setTokenBudget(Math.min(budget, tokens.length - prompt.length));
        }
        this.generatedCount = 0;
        this.started = now;
        this.firstLogits = 0;
        this.lastUsed = now;
    }

    /** Records that the row for prompt index or generated token at {@code position} was evaluated. */
    void evaluated(int position, int token) {
        tokens[position] = token;
        cached = position + 1;
    }

    /** Logits after prompt index {@code i} (not the last): the log-probability of prompt token i + 1. */
    void promptLogits(int i, float[] all, int offset) {
        promptLogprobs[i] = Logprobs.of(all, offset, vocab, prompt[i + 1], Math.max(0, job.logprobs()));
    }

    /**
     * Next-token logits for this slot's job: samples, reports the token, and returns the finish reason when
     * the job ended (the slot is then released by the caller), or null while it goes on.
     */
    FinishReason onLogits(float[] all, int offset, long now) {
        if (firstLogits == 0) {
            firstLogits = now;
            job.listener().onPrompt(prompt.length, reused, promptLogprobs);
        }
        int token = chosen >= 0 ? chosen : choose(all, offset);
        chosen = -1;
        boolean wantLogprobs = job.logprobs() >= 0;
        TokenConstraint constraint = job.constraint();
        sampler.accept(token);
        generated[generatedCount++] = token;
        if (constraint != null) {
            constraint.accept(token);
        }
        if (!job.request().ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            return FinishReason.STOP;
        }
        TokenLogprobs lp = wantLogprobs ? Logprobs.of(raw, 0, vocab, token, job.logprobs()) : null;
        String piece = stops.offer(decoder.push(token));
        if (!job.listener().onToken(token, piece, lp)) {
            return FinishReason.CANCELLED;
        }
        if (stops.stopped() || (constraint != null && constraint.isComplete())) {
            return FinishReason.STOP;
        }
        if (generatedCount >= budget || cached + 1 >= tokens.length) {
            return FinishReason.LENGTH;
        }
        pending = token;
        return null;
    }

    /**
     * Whether {@link #choose} may run on another thread than the scheduler's, beside other slots' (a step's slots
     * sample in parallel): it touches only this slot's arrays and sampler. Constrained jobs sample on the scheduler.
     */
    boolean choosesAnywhere() {
        return job != null && job.constraint() == null;
    }

    /** The token sampled ahead by {@link #chooseAhead}, or -1. */
    private int chosen = -1;

    /** Samples this step's token now ({@link #onLogits} then takes it): copies the logits, masks, draws. */
    void chooseAhead(float[] all, int offset) {
        chosen = choose(all, offset);
    }

    private int choose(float[] all, int offset) {
        System.arraycopy(all, offset, logits, 0, vocab);
        if (job.logprobs() >= 0) {
            System.arraycopy(all, offset, raw, 0, vocab);
        }
        TokenConstraint constraint = job.constraint();
        if (constraint != null) {
            constraint.mask(logits);
        }
        return sampler.sample(logits);
    }

    /** Ends the job: releases held-back text, reports the result and frees the slot (its cache stays). */
    void finish(FinishReason reason, long now) {
        JobListener listener = job.listener();
        try {
            if (reason != FinishReason.CANCELLED && !stops.stopped()) {
                String tail = stops.finish(decoder.flush());
                if (!tail.isEmpty()) {
                    listener.onToken(-1, tail, null);
                }
            }
            long prefill = (firstLogits == 0 ? now : firstLogits) - started;
            long decode = firstLogits == 0 ? 0 : now - firstLogits;
            listener.onComplete(new GenerationResult(stops.text(), Arrays.copyOf(generated, generatedCount), reason,
                    prompt.length, reused, prefill, decode));
        } finally {
            release(now);
        }
    }

    /** Ends the job with an error. */
    void fail(RuntimeException error, long now) {
        try {
            job.listener().onError(error);
        } finally {
            release(now);
        }
    }

    int reusedTokens() {
        return reused;
    }

    private void release(long now) {
        // A generated token that was sampled but never evaluated is not in the cache.
        handle.markDone();
        handle = null;
        job = null;
        pending = -1;
        sampler = null;
        chosen = -1;
        decoder = null;
        stops = null;
        generated = null;
        promptLogprobs = null;
        lastUsed = now;
    }
}
