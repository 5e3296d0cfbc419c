package dev.caravel.cli.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The load client against a small OpenAI-style SSE server on loopback (the wire format, not a model). */
class ServeLoadTest {
    HttpServer server;
    URI base;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile String mode = "ok";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/models", ex -> send(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"tiny\",\"object\":\"model\"}]}"));
        server.createContext("/v1/chat/completions", this::chat);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    private void chat(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        if (mode.equals("busy")) {
            send(ex, 429, "{\"error\":{\"message\":\"busy\",\"type\":\"rate_limit\"}}");
            return;
        }
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < 5; i++) {
                    sleep(10);
                    o.write(("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    o.flush();
                }
                if (mode.equals("truncated")) {
                    return;
                }
                o.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\n\n".getBytes(StandardCharsets.UTF_8));
                o.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    ServeLoad.Plan plan(int concurrency, int requests) {
        return new ServeLoad.Plan(base, "tiny", null, concurrency, requests, 5, List.of("hi"), false, Duration.ofSeconds(30));
    }

    @Test
    void countsTokensTimesFirstTokensAndKeepsTheConcurrency() throws Exception {
        ServeLoad load = new ServeLoad();
        assertThat(load.firstModel(base, null)).isEqualTo("tiny");
        ServeLoad.Report r = load.run(plan(4, 12));
        assertThat(r.samples()).hasSize(12);
        assertThat(r.failures()).isZero();
        assertThat(r.tokens()).isEqualTo(60);
        assertThat(maxInFlight.get()).isEqualTo(4);
        assertThat(r.ttftMillis(0.5)).isGreaterThanOrEqualTo(10).isLessThan(r.wallNanos() / 1e6);
        assertThat(r.tokensPerSecond()).isPositive();
        assertThat(r.perStreamTokensPerSecond()).isPositive();
    }

    @Test
    void refusedAndTruncatedStreamsAreFailuresWithTheirReason() throws Exception {
        ServeLoad load = new ServeLoad();
        mode = "busy";
        ServeLoad.Report busy = load.run(plan(2, 4));
        assertThat(busy.failures()).isEqualTo(4);
        assertThat(busy.errors()).singleElement().asString().contains("HTTP 429").contains("busy");
        mode = "truncated";
        ServeLoad.Report cut = load.run(plan(2, 2));
        assertThat(cut.failures()).isEqualTo(2);
        assertThat(cut.errors()).singleElement().asString().contains("without [DONE]");
    }

    @Test
    void quantilesUseNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(ServeLoad.quantile(v, 0.5)).isEqualTo(5);
        assertThat(ServeLoad.quantile(v, 0.95)).isEqualTo(10);
        assertThat(ServeLoad.quantile(new double[0], 0.5)).isNaN();
    }
}
