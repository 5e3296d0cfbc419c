package dev.caravel.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.caravel.engine.ContextOverflowException;
import dev.caravel.engine.batch.QueueFullException;
import dev.caravel.server.metrics.Metrics;
import dev.caravel.server.openai.ApiException;
import dev.caravel.template.TemplateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The route table and everything every request shares: method and route checks, the API key, turning
 * exceptions into OpenAI error objects with the right status, one access-log line and the request metrics.
 */
final class Routes implements HttpHandler {
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.caravel.server.access");
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    interface Handler {
        void handle(Call call) throws IOException;
    }

    /** A route: an exact path, or a prefix when {@code pattern} ends in {@code {id}}. */
    private record Route(String method, String pattern, boolean open, Handler handler) {
        boolean matches(String path) {
            if (pattern.endsWith("{id}")) {
                String prefix = pattern.substring(0, pattern.length() - 4);
                return path.startsWith(prefix) && path.length() > prefix.length();
            }
            return path.equals(pattern);
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final byte[] apiKey;
    private final long maxBody;
    private final Metrics metrics;

    Routes(String apiKey, long maxBody, Metrics metrics) {
        this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.maxBody = maxBody;
        this.metrics = metrics;
    }

    /** Adds a route that needs the API key (when one is configured). */
    Routes add(String method, String pattern, Handler handler) {
        routes.add(new Route(method, pattern, false, handler));
        return this;
    }

    /** Adds a route anyone may call (health checks). */
    Routes open(String method, String pattern, Handler handler) {
        routes.add(new Route(method, pattern, true, handler));
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        Call call = new Call(exchange, maxBody);
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String endpoint = "unmatched";
        try {
            // Browsers' web UIs call from other origins.
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            List<Route> forPath = routes.stream().filter(r -> r.matches(path)).toList();
            if (forPath.isEmpty()) {
                throw new ApiException(404, "invalid_request_error", "Unknown request URL: " + method + " " + path
                        + ". Please check the URL for typos.", null, "unknown_url");
            }
            endpoint = forPath.get(0).pattern();
            if (method.equals("OPTIONS")) {
                preflight(call, forPath);
                return;
            }
            Route route = forPath.stream().filter(r -> r.method().equals(method)).findFirst().orElse(null);
            if (route == null) {
                exchange.getResponseHeaders().set("Allow", String.join(", ", forPath.stream().map(Route::method).toList()));
                throw new ApiException(405, "invalid_request_error", "Method " + method + " is not allowed for " + path
                        + "; use " + String.join(" or ", forPath.stream().map(Route::method).toList()), null,
                        "method_not_allowed");
            }
            if (!route.open()) {
                authorize(exchange);
            }
            route.handler().handle(call);
        } catch (Throwable t) {
            fail(call, t);
        } finally {
            double seconds = (System.nanoTime() - call.started) / 1e9;
            metrics.request(endpoint, call.status, seconds);
            ACCESS.info("{} {} {} {} ms", method, path, call.status, Math.round(seconds * 1000));
            exchange.close();
        }
    }

    private void preflight(Call call, List<Route> forPath) throws IOException {
        var h = call.exchange().getResponseHeaders();
        h.set("Access-Control-Allow-Methods", String.join(", ", forPath.stream().map(Route::method).toList()) + ", OPTIONS");
        h.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
        h.set("Access-Control-Max-Age", "86400");
        call.send(204, "text/plain", new byte[0]);
    }

    private void authorize(HttpExchange exchange) {
        if (apiKey == null) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "invalid_request_error", "You didn't provide an API key. You need to provide your "
                    + "API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null,
                    "missing_api_key");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        // Constant-time comparison: the time taken says nothing about how much of the key was right.
        if (!MessageDigest.isEqual(given, apiKey)) {
            throw new ApiException(401, "invalid_request_error", "Incorrect API key provided.", null, "invalid_api_key");
        }
    }

    private void fail(Call call, Throwable t) {
        ApiException api = switch (t) {
            case ApiException a -> a;
            case ContextOverflowException c -> new ApiException(400, "invalid_request_error", c.getMessage(), "messages",
                    "context_length_exceeded");
            case QueueFullException q -> {
                call.exchange().getResponseHeaders().set("Retry-After", "1");
                yield new ApiException(429, "rate_limit_error", q.getMessage(), null, "queue_full");
            }
            case TemplateException e -> new ApiException(400, "invalid_request_error",
                    "the model's chat template could not render these messages: " + e.getMessage(), "messages", "template_error");
            // The engine's argument checks carry client-facing messages (a token id outside the vocabulary, …).
            case IllegalArgumentException i -> new ApiException(400, "invalid_request_error", i.getMessage(), null, "invalid_value");
            case IOException io -> null; // the client went away: nothing to tell it
            default -> {
                LOG.error("internal error serving {}", call.exchange().getRequestURI(), t);
                yield new ApiException(500, "server_error", "The server had an error while processing your request ("
                        + t.getClass().getSimpleName() + "); see the server log.", null, "internal_error");
            }
        };
        if (api == null) {
            call.status = 499; // nginx's "client closed request", for the log and metrics only
            return;
        }
        if (call.isHeld()) {
            LOG.warn("error after the answer's headers were sent (status 200 stands) for {}: {}",
                    call.exchange().getRequestURI(), api.getMessage());
        } else if (call.responded() && !call.isStreaming()) {
            LOG.warn("error after the response was sent for {}: {}", call.exchange().getRequestURI(), api.getMessage());
            return;
        }
        try {
            call.sendError(api);
        } catch (IOException e) {
            // the client is gone
        }
    }

}
