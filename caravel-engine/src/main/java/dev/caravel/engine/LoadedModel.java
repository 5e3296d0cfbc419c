package dev.caravel.engine;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.Architectures;
import dev.caravel.model.LanguageModel;
import dev.caravel.tensor.parallel.WorkerPool;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;

import java.nio.file.Path;

/**
 * A GGUF model ready to generate: the mapped file, the forward pass, its tokenizer and chat
 * formatter. Closing unmaps the weights.
 */
public final class LoadedModel implements AutoCloseable {
    private final GgufFile file;
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final ChatFormatter chat;
    private final WorkerPool pool;

    private LoadedModel(GgufFile file, LanguageModel model, Tokenizer tokenizer, ChatFormatter chat, WorkerPool pool) {
        this.file = file;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chat = chat;
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
        GgufFile file = GgufFile.open(path);
        try {
            LanguageModel model = Architectures.load(file);
            Tokenizer tokenizer = Tokenizers.fromGguf(file.meta());
            String template = tokenizer.chatTemplate().orElse(null);
            return new LoadedModel(file, model, tokenizer, new ChatFormatter(template, tokenizer), new WorkerPool(threads));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
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

    public ChatFormatter chat() {
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
