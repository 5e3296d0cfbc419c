package dev.caravel.engine;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.Architectures;
import dev.caravel.model.LanguageModel;
import dev.caravel.tensor.parallel.WorkerPool;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.concurrent.FutureTask;

/**
 * A GGUF model ready to generate: the mapped file, the forward pass, its tokenizer and chat
 * formatter. Closing unmaps the weights.
 */
public final class LoadedModel implements AutoCloseable {
    private final GgufFile file;
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private ChatFormatter chat;

    private LoadedModel(GgufFile file, LanguageModel model, Tokenizer tokenizer, WorkerPool pool) {
        this.file = file;
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
    }

    /** Maps and validates a GGUF file, computing on the calling thread only. */
    public static LoadedModel open(Path path) {
        return open(path, 1);
    }

    /**
     * Maps and validates a GGUF file; any problem is a one-line exception naming the file.
     *
     * @param threads threads that share each matrix product of this model's sequences
     */
    public static LoadedModel open(Path path, int threads) {
        return open(GgufFile.open(path), threads);
    }

    /**
     * A model over an already opened GGUF file, which it then owns: closing the model (or a failure here)
     * closes the file.
     *
     * @param threads threads that share each matrix product of this model's sequences
     */
    public static LoadedModel open(GgufFile file, int threads) {
        // The tokenizer (hash maps over the whole vocabulary and merge list) builds on a second thread
        // while this one binds the tensors: at start-up both run mostly interpreted, and the overlap
        // saves ~0.1 s for a 150k-token vocabulary. Errors are reported as before: the model's first.
        FutureTask<Tokenizer> tokenizerTask = new FutureTask<>(() -> Tokenizers.fromGguf(file.meta()));
        Thread tokenizerThread = Thread.ofPlatform().name("caravel-tokenizer").daemon().unstarted(tokenizerTask);
        try {
            tokenizerThread.start();
            LanguageModel model;
            try {
                model = Architectures.load(file);
            } catch (RuntimeException | Error e) {
                tokenizerTask.cancel(false);
                join(tokenizerThread);
                throw e;
            }
            Tokenizer tokenizer = Background.await(tokenizerTask);
            return new LoadedModel(file, model, tokenizer, new WorkerPool(threads));
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    private static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The threads this model's products share; drive it from one thread at a time. */
    public WorkerPool pool() {
        return pool;
    }

    /** Threads each product runs on. */
    public int threads() {
        return pool.size();
    }

    public GgufFile file() {
        return file;
    }

    public LanguageModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The chat formatter, its template compiled on first use ({@code run}, {@code bench} and {@code embed}
     * never need it).
     *
     * @throws dev.caravel.template.TemplateException if the model's chat template does not compile
     */
    public synchronized ChatFormatter chat() {
        if (chat == null) {
            chat = new ChatFormatter(tokenizer.chatTemplate().orElse(null), tokenizer);
        }
        return chat;
    }

    public Generator generator() {
        return new Generator(model, tokenizer);
    }

    /**
     * A sequence with room for {@code contextTokens} (clamped to the model's context; ≤ 0: a
     * default). Sequences of one model share its worker threads: drive one at a time.
     */
    public Sequence newSequence(int contextTokens) {
        int max = model.config().contextLength();
        int n = contextTokens <= 0 ? Math.min(max, 4096) : Math.min(contextTokens, max);
        return new Sequence(model, n, pool);
    }

    @Override
    public void close() {
        pool.close();
        file.close();
    }
}
