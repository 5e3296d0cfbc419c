package dev.caravel.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.server.models.ServedModel;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 requests from 8 concurrent clients, mixing streaming, non-streaming, streams the client abandons
 * mid-way and malformed requests: every answer must be the expected one (no 5xx, no hung connection), every
 * slot must be free at the end, and the heap must not grow with the number of requests served.
 */
class SoakTest {
    static final int CLIENTS = 8;
    static final int REQUESTS = 1000;

    enum Kind { PLAIN, STREAM, ABANDON, MALFORMED }

    /** Unexpected outcomes, by description, with a count each. */
    final Map<String, AtomicInteger> unexpected = new ConcurrentHashMap<>();
    final Map<Kind, AtomicInteger> done = new ConcurrentHashMap<>();

    @Test
    void thousandMixedRequestsLeaveNothingBehind() throws Exception {
        try (TestServer s = TestServer.start(CLIENTS, 256, 64, null, CaravelServer.DEFAULT_MAX_BODY)) {
            run(s, 0, 200);
            long warm = heapAfterGc();
            run(s, 200, REQUESTS);
            long after = heapAfterGc();

            assertThat(unexpected).as("unexpected outcomes").isEmpty();
            for (Kind k : Kind.values()) {
                assertThat(done.get(k).get()).as(k.name()).isGreaterThan(REQUESTS / 8);
            }
            for (ServedModel m : s.server.models().all()) {
                if (m.scheduler() != null) {
                    assertThat(TestServer.waitIdle(m, 10_000)).as("busy slots of " + m.name()).isZero();
                    assertThat(m.scheduler().stats().queued()).isZero();
                }
            }
            // 800 more requests than at the first measurement: anything kept per request would show here.
            assertThat(after - warm).as("heap growth over 800 requests, bytes").isLessThan(24L << 20);

            HttpResponse<String> metrics = s.get("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("caravel_");
        }
    }

    private void run(TestServer s, int from, int to) throws Exception {
        AtomicInteger next = new AtomicInteger(from);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                fs.add(clients.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < to) {
                        one(s, i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
    }

    private void one(TestServer s, int i) {
        SplittableRandom rnd = new SplittableRandom(i);
        Kind kind = Kind.values()[i % 4];
        String model = rnd.nextInt(4) == 0 ? "random-llama-q4_k_m" : "stories260K";
        int maxTokens = 1 + rnd.nextInt(24);
        String chat = """
                {"model": "%s", "messages": [{"role": "user", "content": "Once upon a time %d"}],
                 "max_tokens": %d, "temperature": 0.8, "seed": %d%s}""";
        try {
            switch (kind) {
                case PLAIN -> {
                    HttpResponse<String> r = s.post("/v1/chat/completions", chat.formatted(model, i, maxTokens, i, ""));
                    JsonNode body = TestServer.parse(r.body());
                    expect(r.statusCode() == 200, "plain: HTTP " + r.statusCode() + " " + r.body());
                    int tokens = body.path("usage").path("completion_tokens").asInt(-1);
                    expect(tokens >= 1 && tokens <= maxTokens, "plain: completion_tokens " + tokens + " of " + maxTokens);
                    expect(body.path("choices").get(0).path("message").path("content").isTextual(), "plain: no content");
                }
                case STREAM -> {
                    HttpResponse<String> r = s.post("/v1/chat/completions", chat.formatted(model, i, maxTokens, i,
                            ", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
                    expect(r.statusCode() == 200, "stream: HTTP " + r.statusCode());
                    List<String> events = TestServer.events(r.body());
                    expect(events.getLast().equals("[DONE]"), "stream: no [DONE]");
                    JsonNode usage = TestServer.parse(events.get(events.size() - 2)).path("usage");
                    expect(usage.path("completion_tokens").asInt(-1) >= 1, "stream: no usage");
                }
                case ABANDON -> {
                    // A long answer the client walks away from after its first chunks.
                    HttpRequest req = s.request("/v1/chat/completions").header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(chat.formatted(model, i, 200, i, ", \"stream\": true"))).build();
                    HttpResponse<InputStream> r = s.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                    expect(r.statusCode() == 200, "abandon: HTTP " + r.statusCode());
                    try (InputStream in = r.body()) {
                        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                        int events = 0;
                        String line;
                        while (events < 2 && (line = lines.readLine()) != null) {
                            if (line.startsWith("data: ")) {
                                events++;
                            }
                        }
                    }
                }
                case MALFORMED -> {
                    String[] bad = {
                            "{\"model\": \"stories260K\", \"messages\": [",
                            chat.formatted("no-such-model", i, maxTokens, i, ""),
                            chat.formatted(model, i, -5, i, ""),
                            chat.formatted(model, i, maxTokens, i, ", \"temperature\": \"warm\""),
                            "{\"model\": \"stories260K\", \"messages\": [{\"role\": \"user\", \"content\": \""
                                    + "once upon a time ".repeat(300) + "\"}]}",
                    };
                    int[] status = {400, 404, 400, 400, 400};
                    int which = rnd.nextInt(bad.length);
                    HttpResponse<String> r = s.post("/v1/chat/completions", bad[which]);
                    expect(r.statusCode() == status[which], "malformed " + which + ": HTTP " + r.statusCode() + " " + r.body());
                    expect(TestServer.parse(r.body()).path("error").path("message").isTextual(), "malformed " + which + ": no error object");
                }
            }
            done.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        } catch (Exception | AssertionError e) {
            expect(false, kind + ": " + e);
        }
    }

    private void expect(boolean ok, String what) {
        if (!ok) {
            String key = what.length() > 160 ? what.substring(0, 160) : what;
            unexpected.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
