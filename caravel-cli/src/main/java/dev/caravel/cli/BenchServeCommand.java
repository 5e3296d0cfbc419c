package dev.caravel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.cli.serve.ServeLoad;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * {@code caravel bench-serve}: requests/s, time to first token and aggregate tokens/s of an
 * OpenAI-compatible server under concurrent streaming load (Caravel's own, or llama-server for comparison).
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load an OpenAI-compatible server with concurrent streaming chats; report requests/s, time to first token and tokens/s.")
final class BenchServeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--url", required = true, paramLabel = "URL", description = "Server base URL, e.g. http://127.0.0.1:8080")
    String url;

    @Option(names = "--model", paramLabel = "NAME", description = "Model to ask (default: the first the server lists).")
    String model;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "C", defaultValue = "8", description = "Parallel clients (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = {"-r", "--requests"}, paramLabel = "R", defaultValue = "32", description = "Requests in all (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "128", description = "max_tokens per request (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt to send (repeatable; default: eight varied English/Chinese prompts).")
    List<String> prompts;

    @Option(names = "--ignore-eos", description = "Ask the server to generate max_tokens every time (llama.cpp's ignore_eos extension; Caravel accepts it too).")
    boolean ignoreEos;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Bearer token (default: $OPENAI_API_KEY if set).")
    String apiKey;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "Per-request timeout (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || requests < 1 || maxTokens < 1 || timeoutSeconds < 1) {
            throw new UsageException("--concurrency, --requests, --max-tokens and --timeout must be ≥ 1");
        }
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url : url + "/");
            if (base.getScheme() == null || !base.getScheme().startsWith("http") || base.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--url must be an http(s) URL such as http://127.0.0.1:8080, got '" + url + "'");
        }
        String key = apiKey != null ? apiKey : System.getenv("OPENAI_API_KEY");
        ServeLoad load = new ServeLoad();
        String name;
        try {
            name = model != null ? model : load.firstModel(base, key);
        } catch (java.io.IOException e) {
            throw new UsageException("cannot reach " + base + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        }
        List<String> texts = prompts == null || prompts.isEmpty() ? ServeLoad.defaultPrompts() : prompts;
        ServeLoad.Report r = load.run(new ServeLoad.Plan(base, name, key, concurrency, requests, maxTokens, texts, ignoreEos,
                Duration.ofSeconds(timeoutSeconds)));
        PrintStream out = Main.stdout();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("url", base.toString());
            o.put("model", name);
            o.put("concurrency", concurrency);
            o.put("requests", requests);
            o.put("failed", r.failures());
            o.put("requests_per_s", r.requestsPerSecond());
            o.put("ttft_p50_ms", r.ttftMillis(0.5));
            o.put("ttft_p95_ms", r.ttftMillis(0.95));
            o.put("generated_tokens", r.tokens());
            o.put("tokens_per_s", r.tokensPerSecond());
            o.put("stream_tokens_per_s", r.perStreamTokensPerSecond());
            o.put("wall_s", r.wallNanos() / 1e9);
            out.println(o);
        } else {
            out.printf("bench-serve: %d requests, %d concurrent, model %s at %s%n", requests, concurrency, name, base);
            out.printf("  requests/s          %.2f%n", r.requestsPerSecond());
            out.printf("  TTFT p50 / p95      %.0f ms / %.0f ms%n", r.ttftMillis(0.5), r.ttftMillis(0.95));
            out.printf("  generated tokens    %d in %.1f s: %.1f tok/s aggregate, %.1f tok/s per stream (median)%n",
                    r.tokens(), r.wallNanos() / 1e9, r.tokensPerSecond(), r.perStreamTokensPerSecond());
            out.printf("  failed              %d%n", r.failures());
            for (String e : r.errors()) {
                out.println("    " + e);
            }
        }
        return r.failures() == 0 ? 0 : 1;
    }
}
