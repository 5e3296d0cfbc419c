package dev.caravel.cli;

import dev.caravel.server.CaravelServer;
import dev.caravel.server.chats.ConversationStore;
import dev.caravel.server.chats.StoreException;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code caravel serve}: an OpenAI-compatible HTTP API over one or more models, each with its own
 * continuous-batching scheduler; runs until interrupted.
 */
@Command(name = "serve", description = "Serve models over an OpenAI-compatible HTTP API.", mixinStandardHelpOptions = true)
final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF file, short name (qwen2.5:0.5b) or Hub "
            + "reference to serve (repeatable; pulled when missing); its name is the file name without .gguf, or the name as given.")
    List<String> files = new ArrayList<>();

    @Option(names = "--offline", description = "Use only models already on this machine (no Hub access).")
    boolean offline;

    @Option(names = "--alias", paramLabel = "NAME", description = "Name of the -m model at the same position (repeatable).")
    List<String> aliases = new ArrayList<>();

    @Option(names = "--models-dir", paramLabel = "DIR", description = "Also serve every .gguf file in DIR.")
    Path modelsDir;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N", defaultValue = "4",
            description = "Requests that generate at once per model (slots; default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "0",
            description = "Tokens per slot, prompt plus answer (default: the model's context, at most 4096).")
    int context;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for a slot per model before the server answers 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' "
            + "(default: $CARAVEL_API_KEY when set, else no key).")
    String apiKey;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads for each model's matrix products (default: all cores).")
    Integer threads;

    @Option(names = "--numerics", paramLabel = "MODE",
            description = "llama.cpp (default: llama.cpp's logits bit for bit) or fast (float products: faster batches, "
                    + "logits within float rounding of llama.cpp's). Either way a request's output never depends on "
                    + "what it is batched with.")
    String numerics;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the web UI keeps its conversations "
            + "(default: $XDG_DATA_HOME/caravel or ~/.local/share/caravel).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        List<Path> paths = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            String given = files.get(i);
            Path local = Path.of(given);
            boolean isFile = Files.isRegularFile(local);
            Path p = isFile ? local : HubAccess.resolve(given, offline);
            paths.add(p);
            names.add(i < aliases.size() ? aliases.get(i) : isFile ? nameOf(local) : given);
        }
        if (modelsDir != null) {
            for (Path p : dirModels(modelsDir)) {
                paths.add(p);
                names.add(nameOf(p));
            }
        }
        if (paths.isEmpty()) {
            throw new UsageException("give at least one model: -m FILE or --models-dir DIR");
        }
        String key = apiKey != null ? apiKey : System.getenv("CARAVEL_API_KEY");
        int t = threads != null ? threads : dev.caravel.tensor.parallel.WorkerPool.defaultThreads();
        ModelRegistry registry = new ModelRegistry();
        CaravelServer server;
        ConversationStore chats = null;
        try {
            chats = ConversationStore.open(dataDir != null ? dataDir : ConversationStore.defaultDirectory());
            for (int i = 0; i < paths.size(); i++) {
                if (!Files.isRegularFile(paths.get(i))) {
                    throw new UsageException(paths.get(i) + ": no such file");
                }
                ServedModel m = ServedModel.open(names.get(i), paths.get(i), parallel, context, queue, t);
                registry.add(m);
                System.err.println("caravel: loaded " + m.name() + (m.generatesText()
                        ? " (" + parallel + " slots of " + m.context() + " tokens)" : " (embeddings)"));
            }
            server = CaravelServer.start(registry, new CaravelServer.Options(host, port, key, CaravelServer.DEFAULT_MAX_BODY), chats);
        } catch (BindException e) {
            registry.close();
            closeStore(chats);
            throw new UsageException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        } catch (StoreException e) {
            registry.close();
            throw new UsageException(e.getMessage() + " (choose another place with --data-dir)");
        } catch (RuntimeException | IOException e) {
            registry.close();
            closeStore(chats);
            throw e;
        }
        System.err.println("caravel: serving " + String.join(", ", registry.names()) + " on " + server.uri()
                + (key != null ? " (API key required)" : "") + "; Ctrl-C stops");
        System.err.println("caravel: web chat at " + server.uri() + "/ (conversations in " + chats.file() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        ConversationStore store = chats;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            closeStore(store);
            stopped.countDown();
        }, "caravel-shutdown"));
        stopped.await();
        return 0;
    }

    private void checkOptions() {
        if (numerics != null) {
            String v = numerics.trim().toLowerCase(java.util.Locale.ROOT);
            if (!v.equals("fast") && !v.equals("llama.cpp")) {
                throw new UsageException("--numerics must be 'llama.cpp' or 'fast', got '" + numerics + "'");
            }
            System.setProperty("caravel.numerics", v); // read when each scheduler's decoding state is built
        }
        if (parallel < 1 || parallel > 256) {
            throw new UsageException("--parallel must be between 1 and 256, got " + parallel);
        }
        if (context < 0) {
            throw new UsageException("--ctx-size must be ≥ 0, got " + context);
        }
        if (queue < 0) {
            throw new UsageException("--queue must be ≥ 0, got " + queue);
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be between 0 and 65535, got " + port);
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new UsageException("-t must be between 1 and 1024, got " + threads);
        }
        if (aliases.size() > files.size()) {
            throw new UsageException("more --alias names (" + aliases.size() + ") than -m models (" + files.size() + ")");
        }
    }

    private static void closeStore(ConversationStore chats) {
        if (chats != null) {
            chats.close();
        }
    }

    static String nameOf(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    private static List<Path> dirModels(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UsageException(dir + ": no such directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p)).sorted().toList();
        }
    }
}
