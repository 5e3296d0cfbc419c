package dev.caravel.cli;

import dev.caravel.engine.Background;
import dev.caravel.format.gguf.GgufFile;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.FutureTask;

/**
 * Maps and parses the GGUF file named by {@code -m} on a second thread while picocli builds its model of the
 * command line (a tenth of a second at start-up, spent mostly in reflection). The command then takes the parsed
 * file instead of opening it again; a file nobody takes (a usage error, {@code --help}) is closed when the command
 * ends. The outcome is the same as opening the file when the command asks for it, errors included.
 */
final class ModelPrefetch implements AutoCloseable {
    /** The commands that load their model through {@link ModelOptions#load()}. */
    private static final Set<String> COMMANDS = Set.of("run", "chat", "bench", "info");
    private static final ThreadLocal<ModelPrefetch> CURRENT = new ThreadLocal<>();

    private final Path path;
    private final FutureTask<GgufFile> task;
    private boolean taken;

    private ModelPrefetch(Path path) {
        this.path = path;
        this.task = new FutureTask<>(() -> GgufFile.open(path));
        Thread.ofPlatform().name("caravel-prefetch").daemon().start(task);
    }

    /**
     * Starts opening the model that {@code args} name, if they are a model command with {@code -m FILE} and the
     * file exists; the returned handle (or null) is what {@link #take} consults on this thread until it is closed.
     */
    static ModelPrefetch start(String[] args) {
        Path model = modelArgument(args);
        if (model == null) {
            return null;
        }
        ModelPrefetch prefetch = new ModelPrefetch(model);
        CURRENT.set(prefetch);
        return prefetch;
    }

    /**
     * The file the {@code -m} / {@code --model} value of a model command names: an existing regular file, or a model
     * name already in the Hub cache (looked up without the network, as {@link ModelOptions#load()} will); else null.
     */
    static Path modelArgument(String[] args) {
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            return null;
        }
        String value = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            } else if ((a.equals("-m") || a.equals("--model")) && i + 1 < args.length) {
                value = args[++i];
            } else if (a.startsWith("--model=")) {
                value = a.substring("--model=".length());
            } else if (a.startsWith("-m=")) {
                value = a.substring("-m=".length());
            }
        }
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            Path path = Path.of(value);
            if (Files.isRegularFile(path)) {
                return path;
            }
        } catch (InvalidPathException e) {
            // maybe a model name
        }
        return HubAccess.cachedOrNull(value);
    }

    /**
     * The prefetched file if it is {@code path} and nobody took it yet (the caller then owns it), else null.
     * Opening errors are thrown here, as {@link GgufFile#open} would have thrown them.
     */
    static GgufFile take(Path path) {
        ModelPrefetch prefetch = CURRENT.get();
        if (prefetch == null || prefetch.taken || !prefetch.path.equals(path)) {
            return null;
        }
        prefetch.taken = true;
        return prefetch.await();
    }

    private GgufFile await() {
        return Background.await(task);
    }

    /** Closes the file if nobody took it (waiting for the parse to end) and forgets this prefetch. */
    @Override
    public void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        if (!taken) {
            taken = true;
            try {
                await().close();
            } catch (RuntimeException | Error e) {
                // Nobody asked for the file: its errors are not this command's.
            }
        }
    }
}
