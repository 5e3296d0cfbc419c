package dev.caravel.server.chats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server in its own JVM is killed with SIGKILL while several clients save conversations through the REST API;
 * restarted on the same data directory, the database must open, pass SQLite's integrity check, and hold every
 * write the server acknowledged before it died.
 */
class CrashSafetyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int WRITERS = 4;

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Server(Process process, URI uri) {
    }

    Server startServer() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", classPath,
                StoreServerMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the server's first line").startsWith("PORT ");
        return new Server(p, URI.create("http://127.0.0.1:" + line.substring(5).trim()));
    }

    JsonNode call(Server s, String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.uri().resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != status) {
            throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    @Test
    void acknowledgedWritesSurviveKillDashNine() throws Exception {
        // What the server acknowledged: chat id → the message texts it confirmed, in order.
        Map<String, List<String>> acked = new ConcurrentHashMap<>();
        for (int round = 0; round < 3; round++) {
            Server s = startServer();
            verify(s, acked);
            AtomicInteger writes = new AtomicInteger();
            AtomicBoolean killed = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            List<Throwable> unexpected = new CopyOnWriteArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                int r = round;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int chat = 0; ; chat++) {
                            String first = "r" + r + " w" + writer + " c" + chat + " m0 你好";
                            JsonNode c = call(s, "POST", "/api/chats", JSON.writeValueAsString(Map.of("title", "round " + r,
                                    "messages", List.of(Map.of("role", "user", "content", first)))), 201);
                            String id = c.get("id").asText();
                            acked.put(id, new CopyOnWriteArrayList<>(List.of(first)));
                            writes.incrementAndGet();
                            for (int m = 1; m <= 8; m++) {
                                String a = "r" + r + " w" + writer + " c" + chat + " m" + m + " " + "answer ".repeat(50);
                                call(s, "POST", "/api/chats/" + id + "/messages", JSON.writeValueAsString(Map.of(
                                        "messages", List.of(Map.of("role", "assistant", "content", a)))), 200);
                                acked.get(id).add(a);
                                writes.incrementAndGet();
                            }
                        }
                    } catch (java.io.IOException | AssertionError e) {
                        // The server was killed under this request: expected once the kill has happened.
                        if (!killed.get()) {
                            unexpected.add(e);
                        }
                    } catch (Exception e) {
                        unexpected.add(e);
                    }
                }));
            }
            long deadline = System.currentTimeMillis() + 20_000;
            while (writes.get() < 150 * (round + 1) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            // SIGKILL while the writers are still saving: no shutdown hook, no close.
            killed.set(true);
            s.process().destroyForcibly();
            s.process().waitFor();
            for (Thread t : writers) {
                t.join(15_000);
            }
            assertThat(unexpected).isEmpty();
            assertThat(writes.get()).isGreaterThan(50);
        }
        Server s = startServer();
        try {
            verify(s, acked);
        } finally {
            s.process().destroyForcibly().waitFor();
        }
        try (ConversationStore store = ConversationStore.open(dir)) {
            assertThat(store.integrityCheck()).isEqualTo("ok");
        }
    }

    /** Every acknowledged message is there, in order (an unacknowledged last one may or may not be). */
    void verify(Server s, Map<String, List<String>> acked) throws Exception {
        for (var e : acked.entrySet()) {
            JsonNode chat = call(s, "GET", "/api/chats/" + e.getKey(), null, 200);
            List<String> stored = new ArrayList<>();
            chat.get("messages").forEach(m -> stored.add(m.get("content").asText()));
            assertThat(stored).as(e.getKey()).startsWith(e.getValue().toArray(String[]::new));
            assertThat(stored.size()).as(e.getKey()).isLessThanOrEqualTo(e.getValue().size() + 1);
        }
    }
}
