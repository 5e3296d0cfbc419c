package dev.caravel.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real server on a loopback port over the shared test models, and a plain HTTP client for it. */
final class TestServer implements AutoCloseable {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));
    static final Path STORIES = SHARED.resolve("models/stories260K.gguf");
    static final Path LLAMA = SHARED.resolve("models/random-llama-q4_k_m.gguf");
    static final Path QWEN = SHARED.resolve("models/random-qwen2-q4_k_m.gguf");
    /** A tiny BERT with a WordPiece vocabulary, kept with caravel-model's hand-checked fixtures. */
    static final Path BERT = Path.of("../caravel-model/src/test/resources/handchecked/bert.gguf");
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Much shorter than the server's default, so that every client in these tests (the OpenAI SDK, LangChain4j, the
     * JDK's) also meets non-streamed answers that begin with keep-alive spaces.
     */
    static final Duration KEEP_ALIVE_AFTER = Duration.ofMillis(150);

    final CaravelServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String apiKey;

    private TestServer(CaravelServer server) {
        this.server = server;
    }

    /** Serves stories260K, random-llama-q4_k_m, random-qwen2-q4_k_m and bert. */
    static TestServer start(int parallel, int context, int queue, String apiKey, long maxBody) throws IOException {
        ModelRegistry models = new ModelRegistry();
        for (Path p : List.of(STORIES, LLAMA, QWEN, BERT)) {
            String name = p.getFileName().toString().replace(".gguf", "");
            models.add(ServedModel.open(name, p, parallel, context, queue, 1));
        }
        TestServer t = new TestServer(CaravelServer.start(models, new CaravelServer.Options("127.0.0.1", 0, apiKey, maxBody,
                KEEP_ALIVE_AFTER)));
        t.apiKey = apiKey;
        return t;
    }

    static TestServer start() throws IOException {
        return start(2, 256, 8, null, CaravelServer.DEFAULT_MAX_BODY);
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs and parses the JSON answer, failing unless the status is {@code status}. */
    JsonNode postJson(String path, String body, int status) throws IOException, InterruptedException {
        HttpResponse<String> r = post(path, body);
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The {@code data:} payloads of an SSE body, in order ({@code [DONE]} included as text). */
    static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            if (!block.startsWith("data: ")) {
                throw new AssertionError("not an SSE data event: " + block);
            }
            out.add(block.substring(6));
        }
        return out;
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A scheduler's active jobs, polled until zero or the deadline. */
    static int waitIdle(ServedModel m, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (m.scheduler().stats().active() > 0 && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
        return m.scheduler().stats().active();
    }

    @Override
    public void close() {
        server.close();
    }
}
