package dev.caravel.engine.batch;

import dev.caravel.engine.ContextOverflowException;
import dev.caravel.engine.FinishReason;
import dev.caravel.model.DecoderState;
import dev.caravel.model.LanguageModel;
import dev.caravel.tensor.parallel.WorkerPool;
import dev.caravel.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching for one model: up to {@code slots} jobs generate at once, and every step is one
 * batched forward pass over the weights ({@link LanguageModel#forwardRows}) holding one row per decoding
 * job plus as many prompt tokens of starting jobs as fit. New jobs join between steps; a finished or
 * cancelled job frees its slot at once.
 *
 * <p>Each slot keeps its KV cache after its job ends. A new job goes to the free slot whose cache shares
 * the longest prefix with its prompt (a conversation's earlier turns), and when another slot holds a
 * longer matching prefix (a shared system prompt) those cached positions are copied rather than computed.
 *
 * <p>Rows are evaluated with single-token numerics, so a job's output depends only on its own prompt and
 * sampling parameters (seed included), never on which other jobs shared its steps.
 *
 * <p>Thread-safe: {@link #submit} may be called from any thread; one scheduler thread drives the model
 * and calls every listener.
 */
public final class BatchScheduler implements AutoCloseable {
    /** Rows per forward pass beyond the decoding ones: the prompt chunk of starting jobs. */
    static final int PROMPT_CHUNK = DecoderState.DEFAULT_BATCH;

    private final LanguageModel model;
    private final int context;
    private final int queueLimit;
    private final Slot[] slots;
    private final DecoderState work;
    private final LinkedBlockingQueue<JobHandle> queue = new LinkedBlockingQueue<>();
    /** Jobs in their prompt phase, in the order they started (their prompts get the step's spare rows first). */
    private final ArrayDeque<Slot> prefilling = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean closed;

    // One step's rows (sized once).
    private final DecoderState[] rowCache;
    private final int[] rowToken;
    private final int[] rowPosition;
    private final Slot[] rowSlot;
    private final int[] logitRows;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong reusedTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile int active;

    /**
     * @param pool       the threads every forward pass is shared by (driven by the scheduler's thread only)
     * @param slots      jobs that generate at once
     * @param context    tokens each slot holds (prompt plus output)
     * @param queueLimit jobs that may wait for a slot before {@link #submit} refuses more
     */
    public BatchScheduler(LanguageModel model, Tokenizer tokenizer, WorkerPool pool, int slots, int context, int queueLimit) {
        this.model = Objects.requireNonNull(model, "model");
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be ≥ 1, got " + slots);
        }
        if (context < 2 || context > model.config().contextLength()) {
            throw new IllegalArgumentException("a slot's context of " + context + " tokens is outside 2.."
                    + model.config().contextLength());
        }
        if (queueLimit < 0) {
            throw new IllegalArgumentException("queue limit must be ≥ 0, got " + queueLimit);
        }
        this.context = context;
        this.queueLimit = queueLimit;
        this.slots = new Slot[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new Slot(model, tokenizer, context);
        }
        int batch = slots + PROMPT_CHUNK;
        this.work = DecoderState.workspace(model.config(), context, pool, batch);
        this.rowCache = new DecoderState[batch];
        this.rowToken = new int[batch];
        this.rowPosition = new int[batch];
        this.rowSlot = new Slot[batch];
        this.logitRows = new int[batch];
        this.thread = Thread.ofPlatform().name("caravel-scheduler").daemon().start(this::loop);
    }

    /** A scheduler over a loaded model's forward pass, tokenizer and threads (which it then drives alone). */
    public static BatchScheduler forModel(dev.caravel.engine.LoadedModel m, int slots, int context, int queueLimit) {
        return new BatchScheduler(m.model(), m.tokenizer(), m.pool(), slots, context, queueLimit);
    }

    /** Tokens each slot holds: a prompt must be shorter. */
    public int context() {
        return context;
    }

    public int slots() {
        return slots.length;
    }

    /**
     * Queues a job.
     *
     * @throws ContextOverflowException when the prompt does not fit a slot's context (leaving room for one token)
     * @throws QueueFullException       when {@code queueLimit} jobs are already waiting
     * @throws IllegalStateException    after {@link #close}
     */
    public JobHandle submit(BatchJob job) {
        Objects.requireNonNull(job, "job");
        if (job.prompt().length >= context) {
            throw new ContextOverflowException(job.prompt().length, context);
        }
        int vocab = model.config().vocabSize();
        for (int t : job.prompt()) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        JobHandle handle = new JobHandle(job);
        synchronized (queue) {
            if (closed) {
                throw new IllegalStateException("the scheduler is closed");
            }
            if (queue.size() >= queueLimit && active >= slots.length) {
                throw new QueueFullException(queueLimit);
            }
            queue.add(handle);
        }
        return handle;
    }

    public SchedulerStats stats() {
        return new SchedulerStats(slots.length, active, queue.size(), completed.get(), failed.get(), promptTokens.get(),
                reusedTokens.get(), generatedTokens.get(), steps.get(), busyNanos.get());
    }

    /** Stops the scheduler: running and waiting jobs end as cancelled. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the scheduler's thread ----

    private void loop() {
        try {
            while (!closed) {
                if (!admit()) {
                    continue;
                }
                long t0 = System.nanoTime();
                step();
                busyNanos.addAndGet(System.nanoTime() - t0);
            }
        } catch (InterruptedException e) {
            // close()
        } finally {
            long now = System.nanoTime();
            for (Slot s : slots) {
                if (s.busy()) {
                    finish(s, FinishReason.CANCELLED, now);
                }
            }
            JobHandle h;
            while ((h = queue.poll()) != null) {
                cancelQueued(h);
            }
        }
    }

    /**
     * Ends cancelled jobs, moves waiting jobs into free slots, and waits while there is nothing to do.
     *
     * @return whether any slot is busy
     */
    private boolean admit() throws InterruptedException {
        long now = System.nanoTime();
        for (Slot s : slots) {
            if (s.busy() && s.handle.isCancelled()) {
                finish(s, FinishReason.CANCELLED, now);
            }
        }
        while (true) {
            Slot free = anyFree();
            if (free == null) {
                break;
            }
            JobHandle h = active == 0 ? queue.poll(1, TimeUnit.SECONDS) : queue.poll();
            if (h == null) {
                break;
            }
            if (h.isCancelled()) {
                cancelQueued(h);
                continue;
            }
            place(h, System.nanoTime());
        }
        return active > 0;
    }

    private Slot anyFree() {
        for (Slot s : slots) {
            if (!s.busy()) {
                return s;
            }
        }
        return null;
    }

    /** Starts {@code h} in the free slot whose cache serves most of its prompt. */
    private void place(JobHandle h, long now) {
        int[] prompt = h.job.prompt();
        boolean reuse = !h.job.promptLogprobs();
        Slot best = null;
        int bestCommon = -1;
        for (Slot s : slots) {
            if (s.busy()) {
                continue;
            }
            int common = reuse ? s.commonPrefix(prompt) : 0;
            if (common > bestCommon || (common == bestCommon && s.lastUsed < best.lastUsed)) {
                best = s;
                bestCommon = common;
            }
        }
        if (reuse) {
            // Another slot (busy or not) may hold more of this prompt, e.g. the same system prompt.
            Slot donor = null;
            int donorCommon = bestCommon;
            for (Slot s : slots) {
                if (s != best) {
                    int common = s.commonPrefix(prompt);
                    if (common > donorCommon) {
                        donor = s;
                        donorCommon = common;
                    }
                }
            }
            if (donor != null && donorCommon > bestCommon + 1) {
                best.cache.copyCacheFrom(donor.cache, donorCommon);
                System.arraycopy(donor.tokens, 0, best.tokens, 0, donorCommon);
                best.cached = donorCommon;
                bestCommon = donorCommon;
            }
        }
        best.start(h, Math.max(0, bestCommon), now);
        active++;
        reusedTokens.addAndGet(best.reusedTokens());
        prefilling.add(best);
    }

    /** One batched forward pass: a row per decoding job, then prompt tokens while rows are left. */
    private void step() {
        int n = 0;
        int m = 0;
        for (Slot s : slots) {
            if (s.busy() && s.pending >= 0) {
                rowCache[n] = s.cache;
                rowToken[n] = s.pending;
                rowPosition[n] = s.cached;
                rowSlot[n] = s;
                logitRows[m++] = n;
                n++;
            }
        }
        int decodeRows = n;
        int limit = rowToken.length;
        for (Slot s : prefilling) {
            int[] prompt = s.prompt();
            boolean everyRow = s.job().promptLogprobs();
            for (int i = s.next; i < prompt.length && n < limit; i++) {
                rowCache[n] = s.cache;
                rowToken[n] = prompt[i];
                rowPosition[n] = i;
                rowSlot[n] = s;
                if (everyRow || i == prompt.length - 1) {
                    logitRows[m++] = n;
                }
                n++;
            }
            if (n == limit) {
                break;
            }
        }
        if (n == 0) {
            return;
        }
        float[] logits;
        try {
            logits = model.forwardRows(work, rowCache, rowToken, rowPosition, n, logitRows, m);
        } catch (RuntimeException e) {
            failRows(n, e);
            return;
        }
        steps.incrementAndGet();
        for (int r = 0; r < n; r++) {
            Slot s = rowSlot[r];
            s.evaluated(rowPosition[r], rowToken[r]);
            if (r < decodeRows) {
                s.pending = -1;
            } else {
                s.next = rowPosition[r] + 1;
            }
        }
        promptTokens.addAndGet(n - decodeRows);
        prefilling.removeIf(s -> !s.prefilling());
        long now = System.nanoTime();
        int vocab = model.config().vocabSize();
        sampleAhead(logits, m, decodeRows, vocab);
        for (int i = 0; i < m; i++) {
            int r = logitRows[i];
            Slot s = rowSlot[r];
            if (!s.busy()) {
                continue;
            }
            try {
                if (scoresPrompt(r, s, decodeRows)) {
                    s.promptLogits(rowPosition[r], logits, i * vocab);
                    continue;
                }
                FinishReason reason = s.onLogits(logits, i * vocab, now);
                generatedTokens.incrementAndGet();
                if (reason != null) {
                    finish(s, reason, now);
                }
            } catch (RuntimeException e) {
                fail(s, e, now);
            }
        }
        for (int r = 0; r < n; r++) {
            rowCache[r] = null;
            rowSlot[r] = null;
        }
    }

    /**
     * Draws the next tokens of the step's unconstrained generating slots on all the pool's threads (a draw over a
     * 50k–150k vocabulary costs a few hundred microseconds, and the workers would otherwise wait); the reporting
     * that follows stays on this thread, in row order. A slot whose draw fails draws again, and fails, there.
     */
    private void sampleAhead(float[] logits, int m, int decodeRows, int vocab) {
        if (work.parallel.pool().size() == 1 || m < 2) {
            return;
        }
        sampling.logits = logits;
        sampling.decodeRows = decodeRows;
        sampling.vocab = vocab;
        try {
            work.parallel.pool().runEach(m, sampling);
        } catch (RuntimeException e) {
            // the draws that failed are repeated on this thread, where the failure reaches their jobs
        } finally {
            sampling.logits = null;
        }
    }

    /**
     * Whether logits row {@code r} (of slot {@code s}) scores a prompt token for prompt logprobs rather than drawing
     * the next token: a prefill row before the prompt's last. The reporting loop and {@link #sampleAhead} must agree.
     */
    private boolean scoresPrompt(int r, Slot s, int decodeRows) {
        return r >= decodeRows && rowPosition[r] < s.prompt().length - 1;
    }

    private final SampleAhead sampling = new SampleAhead();

    /** The parallel draws of {@link #sampleAhead}, one item a logits row; fields set before each dispatch. */
    private final class SampleAhead implements WorkerPool.Items {
        float[] logits;
        int decodeRows;
        int vocab;

        @Override
        public void run(int i, int worker) {
            int r = logitRows[i];
            Slot s = rowSlot[r];
            if (s.busy() && s.choosesAnywhere() && !scoresPrompt(r, s, decodeRows)) {
                s.chooseAhead(logits, i * vocab);
            }
        }
    }

    private void failRows(int n, RuntimeException e) {
        long now = System.nanoTime();
        for (int r = 0; r < n; r++) {
            Slot s = rowSlot[r];
            if (s != null && s.busy()) {
                // The cache may hold half-written rows past what it claims: forget it all.
                s.cached = 0;
                fail(s, e, now);
            }
            rowCache[r] = null;
            rowSlot[r] = null;
        }
    }

    private void finish(Slot s, FinishReason reason, long now) {
        prefilling.remove(s);
        active--;
        completed.incrementAndGet();
        try {
            s.finish(reason, now);
        } catch (RuntimeException listenerFailure) {
            // A listener that throws has lost its client; the slot is free either way.
        }
    }

    private void fail(Slot s, RuntimeException e, long now) {
        prefilling.remove(s);
        active--;
        failed.incrementAndGet();
        try {
            s.fail(e, now);
        } catch (RuntimeException listenerFailure) {
            // as above
        }
    }

    private static void cancelQueued(JobHandle h) {
        try {
            h.job.listener().onComplete(new dev.caravel.engine.GenerationResult("", new int[0], FinishReason.CANCELLED,
                    h.job.prompt().length, 0, 0, 0));
        } catch (RuntimeException ignored) {
            // the client is gone
        } finally {
            h.markDone();
        }
    }
}
