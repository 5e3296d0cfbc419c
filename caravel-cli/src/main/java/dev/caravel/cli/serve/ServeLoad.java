package dev.caravel.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load against any OpenAI-compatible server (Caravel's, llama.cpp's {@code llama-server}, vLLM): {@code
 * concurrency} clients send streaming chat completions back to back until {@code requests} have been sent,
 * and each one's time to first token, generated tokens and duration are recorded.
 *
 * <p>Generated tokens are read from the final {@code usage} (asked for with {@code stream_options}); a server
 * that sends none is counted one token per content chunk, which is what llama-server and Caravel stream.
 */
public final class ServeLoad {
    /** What to send. {@code ignoreEos} adds llama.cpp's {@code ignore_eos} extension so every request runs to {@code maxTokens}. */
    public record Plan(URI base, String model, String apiKey, int concurrency, int requests, int maxTokens,
                       List<String> prompts, boolean ignoreEos, Duration timeout) {
    }

    /** One request's outcome; {@code error} is null when it succeeded. */
    public record Sample(long startNanos, long firstTokenNanos, long endNanos, int tokens, String error) {
    }

    /** The whole run. */
    public record Report(List<Sample> samples, long wallNanos) {
        public long failures() {
            return samples.stream().filter(s -> s.error() != null).count();
        }

        public int tokens() {
            return samples.stream().filter(s -> s.error() == null).mapToInt(Sample::tokens).sum();
        }

        public double requestsPerSecond() {
            return (samples.size() - failures()) * 1e9 / wallNanos;
        }

        /** Generated tokens of all streams together per second of wall time. */
        public double tokensPerSecond() {
            return tokens() * 1e9 / wallNanos;
        }

        /** The {@code q}-quantile (0..1) of time to first token, in milliseconds (nearest rank). */
        public double ttftMillis(double q) {
            double[] t = samples.stream().filter(s -> s.error() == null && s.firstTokenNanos() > 0)
                    .mapToDouble(s -> (s.firstTokenNanos() - s.startNanos()) / 1e6).sorted().toArray();
            return quantile(t, q);
        }

        /** Median of each stream's own generation rate after its first token. */
        public double perStreamTokensPerSecond() {
            double[] r = samples.stream().filter(s -> s.error() == null && s.tokens() > 1 && s.endNanos() > s.firstTokenNanos())
                    .mapToDouble(s -> (s.tokens() - 1) * 1e9 / (s.endNanos() - s.firstTokenNanos())).sorted().toArray();
            return quantile(r, 0.5);
        }

        /** The first few distinct error messages. */
        public List<String> errors() {
            return samples.stream().map(Sample::error).filter(e -> e != null).distinct().limit(5).toList();
        }
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .version(HttpClient.Version.HTTP_1_1).build();

    /** The first model {@code GET /v1/models} lists. */
    public String firstModel(URI base, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("v1/models")).timeout(Duration.ofSeconds(30)).GET();
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /v1/models answered HTTP " + r.statusCode() + ": " + abbreviate(r.body()));
        }
        JsonNode data = JSON.readTree(r.body()).path("data");
        if (!data.isArray() || data.isEmpty()) {
            throw new IOException("the server lists no models");
        }
        return data.get(0).path("id").asText();
    }

    public Report run(Plan plan) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < plan.concurrency(); c++) {
                running.add(clients.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < plan.requests()) {
                        samples.add(one(plan, plan.prompts().get(i % plan.prompts().size())));
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        return new Report(List.copyOf(samples), System.nanoTime() - t0);
    }

    private Sample one(Plan plan, String prompt) {
        long start = System.nanoTime();
        long first = 0;
        int chunks = 0;
        int usageTokens = -1;
        try {
            ObjectNode body = JSON.createObjectNode();
            body.put("model", plan.model());
            body.putArray("messages").addObject().put("role", "user").put("content", prompt);
            body.put("max_tokens", plan.maxTokens());
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            if (plan.ignoreEos()) {
                body.put("ignore_eos", true);
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(plan.base().resolve("v1/chat/completions"))
                    .timeout(plan.timeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (plan.apiKey() != null) {
                b.header("Authorization", "Bearer " + plan.apiKey());
            }
            HttpResponse<java.io.InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException stale) {
                // A kept-alive connection the server had already closed fails before any byte of an answer
                // (llama-server closes idle ones); the request never reached it, so it is sent once more.
                start = System.nanoTime();
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            }
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    StringBuilder text = new StringBuilder();
                    in.lines().limit(20).forEach(text::append);
                    return new Sample(start, 0, System.nanoTime(), 0, "HTTP " + r.statusCode() + ": " + abbreviate(text.toString()));
                }
                String line;
                boolean done = false;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    JsonNode chunk = JSON.readTree(data);
                    if (chunk.has("error")) {
                        return new Sample(start, first, System.nanoTime(), chunks, "stream error: " + abbreviate(chunk.get("error").toString()));
                    }
                    JsonNode usage = chunk.path("usage");
                    if (usage.has("completion_tokens")) {
                        usageTokens = usage.get("completion_tokens").asInt();
                    }
                    for (JsonNode choice : chunk.path("choices")) {
                        String content = choice.path("delta").path("content").asText("");
                        if (!content.isEmpty()) {
                            chunks++;
                            if (first == 0) {
                                first = System.nanoTime();
                            }
                        }
                    }
                }
                if (!done) {
                    return new Sample(start, first, System.nanoTime(), chunks, "the stream ended without [DONE]");
                }
            }
            return new Sample(start, first, System.nanoTime(), usageTokens >= 0 ? usageTokens : chunks, null);
        } catch (IOException | RuntimeException e) {
            return new Sample(start, first, System.nanoTime(), chunks, e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sample(start, first, System.nanoTime(), chunks, "interrupted");
        }
    }

    private static String abbreviate(String s) {
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** Varied prompts, so servers cannot answer every request from one cached prefix. */
    public static List<String> defaultPrompts() {
        return Arrays.asList(
                "Write a short story about a lighthouse keeper.",
                "Explain how a refrigerator works.",
                "用三句话介绍长城。",
                "List five uses of a paperclip.",
                "What is the capital of Australia, and why was it chosen?",
                "写一首关于秋天的短诗。",
                "Describe the water cycle to a child.",
                "Give me a recipe for pancakes.");
    }
}
