package dev.caravel.server;

import com.sun.net.httpserver.HttpServer;
import dev.caravel.server.chats.ConversationStore;
import dev.caravel.server.metrics.Metrics;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.openai.ChatEndpoint;
import dev.caravel.server.openai.CompletionEndpoint;
import dev.caravel.server.openai.EmbeddingEndpoint;
import dev.caravel.server.openai.ModelsEndpoint;
import dev.caravel.server.openai.TokenizeEndpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The OpenAI-compatible HTTP server: the JDK's {@link HttpServer} with one virtual thread per request (see
 * docs/ARCHITECTURE.md for why), over the models of a {@link ModelRegistry}, which it owns and closes.
 */
public final class CaravelServer implements AutoCloseable {
    /** Request bodies larger than this are refused with 413 (long prompts are well below it). */
    public static final long DEFAULT_MAX_BODY = 16L << 20;

    static {
        // A client gets this long to send its request (headers and body): slow or stalled uploads do not hold a
        // connection forever. Responses have no limit, since a stream may rightly run for minutes. Read once by the
        // JDK when the first server is made, so set before that, unless the user chose a value.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "60");
        }
    }

    /**
     * @param host       address to listen on (127.0.0.1: this machine only)
     * @param port       0: any free port
     * @param apiKey     required as {@code Authorization: Bearer KEY} when not null
     * @param maxBody    largest request body in bytes
     * @param keepAliveAfter how long a non-streamed answer may take before it starts writing the spaces that tell
     *                   whether its client is still there (see {@code KeepAlive})
     */
    public record Options(String host, int port, String apiKey, long maxBody, Duration keepAliveAfter) {
        /** A second before a slow non-streamed answer starts checking on its client. */
        public static final Duration KEEP_ALIVE_AFTER = Duration.ofSeconds(1);

        public Options(String host, int port, String apiKey, long maxBody) {
            this(host, port, apiKey, maxBody, KEEP_ALIVE_AFTER);
        }
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final ModelRegistry models;
    private final Metrics metrics = new Metrics();

    private CaravelServer(HttpServer http, ExecutorService executor, ModelRegistry models) {
        this.http = http;
        this.executor = executor;
        this.models = models;
    }

    public static CaravelServer start(ModelRegistry models, Options options) throws IOException {
        return start(models, options, null);
    }

    /** Also serves the web chat UI's saved conversations from {@code chats} (null: the page saves nothing). */
    public static CaravelServer start(ModelRegistry models, Options options, ConversationStore chats) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 256);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        CaravelServer server = new CaravelServer(http, executor, models);
        http.createContext("/", WebUi.register(server.routes(options), chats));
        http.setExecutor(executor);
        http.start();
        return server;
    }

    private Routes routes(Options options) {
        ChatEndpoint chat = new ChatEndpoint(models, metrics, options.keepAliveAfter());
        CompletionEndpoint completions = new CompletionEndpoint(models, metrics, options.keepAliveAfter());
        ModelsEndpoint modelList = new ModelsEndpoint(models);
        EmbeddingEndpoint embeddings = new EmbeddingEndpoint(models);
        TokenizeEndpoint tokens = new TokenizeEndpoint(models);
        return new Routes(options.apiKey(), options.maxBody(), metrics)
                .add("POST", "/v1/chat/completions", chat::handle)
                .add("POST", "/v1/completions", completions::handle)
                .add("GET", "/v1/models", modelList::list)
                .add("GET", "/v1/models/{id}", modelList::get)
                .add("POST", "/v1/embeddings", embeddings::handle)
                .add("POST", "/tokenize", tokens::tokenize)
                .add("POST", "/detokenize", tokens::detokenize)
                .add("GET", "/metrics", call -> call.send(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.render(models).getBytes(StandardCharsets.UTF_8)))
                .open("GET", "/health", call -> call.sendJson(200, java.util.Map.of("status", "ok")));
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port} as clients reach it. */
    public URI uri() {
        String host = http.getAddress().getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port());
    }

    public ModelRegistry models() {
        return models;
    }

    /** Stops accepting, ends running generations (their clients see the stream end) and unloads the models. */
    @Override
    public void close() {
        http.stop(0);
        models.close();
        executor.shutdownNow();
    }
}
