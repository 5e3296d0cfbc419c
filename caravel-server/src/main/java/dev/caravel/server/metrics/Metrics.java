package dev.caravel.server.metrics;

import dev.caravel.engine.batch.SchedulerStats;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters in the Prometheus text format (version 0.0.4). Token totals, queue depth and
 * active slots come straight from each model's scheduler, so they cannot drift from what it did.
 */
public final class Metrics {
    private record RequestKey(String endpoint, int status) {
    }

    private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> timeToFirstToken = new ConcurrentHashMap<>();
    private final Map<String, Histogram> duration = new ConcurrentHashMap<>();

    /** Counts a finished request; {@code endpoint} must be a route pattern, never a raw path (bounded labels). */
    public void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(new RequestKey(endpoint, status), k -> new LongAdder()).increment();
        duration.computeIfAbsent(endpoint, k -> new Histogram(Histogram.SECONDS)).observe(seconds);
    }

    public void timeToFirstToken(String model, double seconds) {
        timeToFirstToken.computeIfAbsent(model, k -> new Histogram(Histogram.SECONDS)).observe(seconds);
    }

    public String render(ModelRegistry models) {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP caravel_requests_total HTTP requests by endpoint and status.\n");
        out.append("# TYPE caravel_requests_total counter\n");
        Map<RequestKey, Long> sorted = new TreeMap<>((a, b) -> a.endpoint.equals(b.endpoint)
                ? Integer.compare(a.status, b.status) : a.endpoint.compareTo(b.endpoint));
        requests.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> out.append("caravel_requests_total{endpoint=\"").append(k.endpoint)
                .append("\",status=\"").append(k.status).append("\"} ").append(v).append('\n'));

        out.append("# HELP caravel_request_duration_seconds Time from request to the end of the response.\n");
        out.append("# TYPE caravel_request_duration_seconds histogram\n");
        new TreeMap<>(duration).forEach((e, h) -> h.write(out, "caravel_request_duration_seconds", "endpoint=\"" + e + "\""));

        out.append("# HELP caravel_time_to_first_token_seconds Time from request to the first generated token.\n");
        out.append("# TYPE caravel_time_to_first_token_seconds histogram\n");
        new TreeMap<>(timeToFirstToken).forEach((m, h) -> h.write(out, "caravel_time_to_first_token_seconds", label(m)));

        gauge(out, models, "caravel_prompt_tokens_total", "counter", "Prompt tokens evaluated (cached prefixes not counted).",
                s -> s.promptTokens());
        gauge(out, models, "caravel_prompt_tokens_reused_total", "counter", "Prompt tokens served from cached prefixes.",
                s -> s.reusedTokens());
        gauge(out, models, "caravel_generated_tokens_total", "counter", "Tokens generated.", s -> s.generatedTokens());
        gauge(out, models, "caravel_queue_depth", "gauge", "Requests waiting for a slot.", s -> s.queued());
        gauge(out, models, "caravel_active_slots", "gauge", "Slots generating now.", s -> s.active());
        gauge(out, models, "caravel_slots", "gauge", "Slots (sequences that can generate at once).", s -> s.slots());
        gauge(out, models, "caravel_batch_steps_total", "counter", "Batched forward passes.", s -> s.steps());
        out.append("# HELP caravel_tokens_per_second Tokens (prompt and generated) per second of forward-pass time.\n");
        out.append("# TYPE caravel_tokens_per_second gauge\n");
        for (ServedModel m : models.all()) {
            if (m.generatesText()) {
                SchedulerStats s = m.scheduler().stats();
                double secs = s.busyNanos() / 1e9;
                double tps = secs > 0 ? (s.promptTokens() + s.generatedTokens()) / secs : 0;
                out.append("caravel_tokens_per_second{").append(label(m.name())).append("} ").append(tps).append('\n');
            }
        }
        return out.toString();
    }

    private interface Stat {
        long of(SchedulerStats s);
    }

    private static void gauge(StringBuilder out, ModelRegistry models, String name, String type, String help, Stat stat) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (ServedModel m : models.all()) {
            if (m.generatesText()) {
                out.append(name).append('{').append(label(m.name())).append("} ").append(stat.of(m.scheduler().stats())).append('\n');
            }
        }
    }

    private static String label(String model) {
        return "model=\"" + model.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
