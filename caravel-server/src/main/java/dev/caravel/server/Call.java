package dev.caravel.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.caravel.server.openai.ApiException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP request being served: reads the body within the size limit, writes JSON or an SSE stream,
 * and remembers the status for the access log and metrics. Used by the request's own thread only.
 */
public final class Call {
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final HttpExchange exchange;
    private final long maxBody;
    final long started = System.nanoTime();
    int status;
    private boolean streaming;

    Call(HttpExchange exchange, long maxBody) {
        this.exchange = exchange;
        this.maxBody = maxBody;
    }

    public HttpExchange exchange() {
        return exchange;
    }

    /** Nanosecond timestamp of when the request arrived. */
    public long started() {
        return started;
    }

    public boolean responded() {
        return status != 0;
    }

    /** Whether an event stream has begun (errors then go into the stream). */
    public boolean isStreaming() {
        return streaming;
    }

    /** Whether a JSON answer's headers already went out ahead of its body (see {@link #keepAlive}). */
    public boolean isHeld() {
        return held != null;
    }

    private OutputStream held;

    /**
     * Writes one space of a JSON answer that is not ready yet: JSON allows whitespace before a value, so the body
     * still parses, and a client that went away makes the write after next fail (the peer's reset), which is how a
     * long non-streamed generation learns it is no longer wanted. The first call sends the headers (status 200,
     * chunked), so only call this once the answer is known to be a 200 unless generation itself fails.
     */
    public void keepAlive() throws IOException {
        if (streaming) {
            return;
        }
        if (held == null) {
            status = 200;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            held = exchange.getResponseBody();
        }
        held.write(' ');
        held.flush();
    }

    /** The body parsed as JSON; malformed JSON is a 400, an oversized body a 413. */
    public JsonNode jsonBody() {
        byte[] body = body();
        if (body.length == 0) {
            throw ApiException.invalid(null, "the request body is empty; send a JSON object");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
        }
    }

    private byte[] body() {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBody) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw ApiException.invalid(null, "Content-Length is not a number");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + (long) n > maxBody) {
                    throw tooLarge();
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", "the request body is larger than the limit of "
                + maxBody + " bytes", null, "request_too_large");
    }

    public void sendJson(int status, Object body) throws IOException {
        send(status, "application/json", JSON.writeValueAsBytes(body));
    }

    public void send(int status, String contentType, byte[] bytes) throws IOException {
        if (held != null) {
            // Headers went out with the first keep-alive space: the body finishes that answer.
            try (OutputStream out = held) {
                out.write(bytes);
            }
            return;
        }
        this.status = status;
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** OpenAI's error object. */
    public static ObjectNode errorBody(ApiException e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        return root;
    }

    public void sendError(ApiException e) throws IOException {
        if (streaming) {
            // Headers are gone: the error becomes the stream's last event, as OpenAI's own streams do it.
            sse().event(errorBody(e));
            return;
        }
        // Once held, the status is already 200: the error object is still the whole body, as clients parse it.
        sendJson(e.status(), errorBody(e));
    }

    private Sse sse;

    /** Starts (once) a server-sent-events response. */
    public Sse sse() throws IOException {
        if (sse == null) {
            status = 200;
            streaming = true;
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
            exchange.sendResponseHeaders(200, 0);
            sse = new Sse(exchange.getResponseBody());
        }
        return sse;
    }

    /**
     * A server-sent-events stream. Each event is flushed at once; an {@link IOException} from a write means the
     * client went away.
     */
    public static final class Sse {
        private final OutputStream out;

        Sse(OutputStream out) {
            this.out = out;
        }

        public void event(Object data) throws IOException {
            raw(JSON.writeValueAsString(data));
        }

        public void done() throws IOException {
            raw("[DONE]");
        }

        private void raw(String data) throws IOException {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
