package dev.caravel.server.models;

import dev.caravel.engine.ChatFormatter;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.batch.BatchScheduler;
import dev.caravel.engine.tools.ToolCallFormat;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.Architectures;
import dev.caravel.model.EmbeddingModel;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * One model the server offers under a name: a text model with its continuous-batching scheduler, or an
 * embedding (encoder) model. Thread-safe.
 */
public final class ServedModel implements AutoCloseable {
    private final String name;
    private final long created;
    private final LoadedModel text;
    private final BatchScheduler scheduler;
    private final GgufFile encoderFile;
    private final EmbeddingModel encoder;
    private final Tokenizer tokenizer;
    /** Encoder calls run on request threads; this keeps them from taking more cores than there are slots. */
    private final Semaphore encoderPermits;
    private volatile ToolCallFormat toolFormat;

    private ServedModel(String name, long created, LoadedModel text, BatchScheduler scheduler, GgufFile encoderFile,
                        EmbeddingModel encoder, Tokenizer tokenizer, int slots) {
        this.name = name;
        this.created = created;
        this.text = text;
        this.scheduler = scheduler;
        this.encoderFile = encoderFile;
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.encoderPermits = new Semaphore(Math.max(1, slots));
    }

    /**
     * Opens a GGUF file: decoders get a scheduler with {@code slots} slots of {@code context} tokens
     * (≤ 0: the model's context, at most 4096); encoders (bert) serve embeddings.
     */
    public static ServedModel open(String name, Path path, int slots, int context, int queue, int threads) {
        long created = created(path);
        GgufFile file = GgufFile.open(path);
        String arch;
        try {
            arch = file.meta().architecture();
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
        if (!Architectures.supported().contains(arch)) {
            try {
                EmbeddingModel encoder;
                try {
                    encoder = Architectures.loadEncoder(file);
                } catch (dev.caravel.model.ModelException notEncoder) {
                    throw new dev.caravel.model.ModelException(path.getFileName() + ": unsupported architecture '" + arch
                            + "' (text: " + String.join(", ", Architectures.supported()) + "; embeddings: bert)");
                }
                Tokenizer tokenizer = Tokenizers.fromGguf(file.meta());
                return new ServedModel(name, created, null, null, file, encoder, tokenizer, slots);
            } catch (RuntimeException e) {
                file.close();
                throw e;
            }
        }
        LoadedModel m = LoadedModel.open(file, threads);
        try {
            int max = m.model().config().contextLength();
            int ctx = context > 0 ? Math.min(context, max) : Math.min(max, 4096);
            BatchScheduler scheduler = BatchScheduler.forModel(m, slots, ctx, queue);
            return new ServedModel(name, created, m, scheduler, null, null, m.tokenizer(), slots);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static long created(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis() / 1000;
        } catch (java.io.IOException e) {
            return System.currentTimeMillis() / 1000;
        }
    }

    public String name() {
        return name;
    }

    /** Seconds since the epoch: the file's modification time (OpenAI's {@code created} of a model). */
    public long created() {
        return created;
    }

    public boolean generatesText() {
        return text != null;
    }

    public boolean embeds() {
        return encoder != null;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The scheduler of a text model (null for an embedding model). */
    public BatchScheduler scheduler() {
        return scheduler;
    }

    public LoadedModel loaded() {
        return text;
    }

    public ChatFormatter chat() {
        return text.chat();
    }

    /** How this model writes tool calls (from its chat template). */
    public ToolCallFormat toolFormat() {
        ToolCallFormat f = toolFormat;
        if (f == null) {
            f = ToolCallFormat.forModel(tokenizer.chatTemplate().orElse(null), tokenizer);
            toolFormat = f;
        }
        return f;
    }

    public EmbeddingModel encoder() {
        return encoder;
    }

    public Semaphore encoderPermits() {
        return encoderPermits;
    }

    /** Tokens one request may hold: a slot's context, or the encoder's. */
    public int context() {
        return text != null ? scheduler.context() : encoder.config().contextLength();
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
            text.close();
        }
        if (encoderFile != null) {
            encoderFile.close();
        }
    }
}
