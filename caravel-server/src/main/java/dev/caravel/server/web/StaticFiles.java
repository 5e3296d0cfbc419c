package dev.caravel.server.web;

import dev.caravel.server.Call;
import dev.caravel.server.openai.ApiException;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web UI's files, served from the jar ({@code /web/} on the class path): nothing comes from the network, so the
 * page works offline. Only plain names (letters, digits, {@code - _ .}, one extension) are looked up, which rules out
 * path traversal before the class loader sees the name. Responses carry a content ETag and {@code no-cache}, so
 * browsers revalidate (a cheap 304) and never run a stale script after an upgrade.
 */
public final class StaticFiles {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.[a-z0-9]+");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json",
            "txt", "text/plain; charset=utf-8");

    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final String root;
    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    public StaticFiles(String root) {
        this.root = root.endsWith("/") ? root : root + "/";
    }

    /** Serves {@code name} (a file directly under the root), or a 404 error object. */
    public void serve(Call call, String name) throws IOException {
        Asset a = lookup(name).orElseThrow(() -> ApiException.notFound("No such file: " + name, "not_found"));
        var headers = call.exchange().getResponseHeaders();
        headers.set("ETag", a.etag());
        headers.set("Cache-Control", "no-cache");
        headers.set("X-Content-Type-Options", "nosniff");
        if (name.endsWith(".html")) {
            // The page talks only to its own server: no inline scripts, no foreign origins, no framing.
            headers.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                    + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'");
            headers.set("Referrer-Policy", "no-referrer");
        }
        String match = call.exchange().getRequestHeaders().getFirst("If-None-Match");
        if (match != null && (match.equals(a.etag()) || match.equals("W/" + a.etag()))) {
            call.send(304, a.type(), new byte[0]);
            return;
        }
        call.send(200, a.type(), a.bytes());
    }

    Optional<Asset> lookup(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(name, this::load);
    }

    private Optional<Asset> load(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        String type = TYPES.get(ext);
        if (type == null) {
            return Optional.empty();
        }
        try (InputStream in = StaticFiles.class.getResourceAsStream(root + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Optional.of(new Asset(bytes, type, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\""));
        } catch (IOException | NoSuchAlgorithmException e) {
            return Optional.empty();
        }
    }
}
