package dev.caravel.tools.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hugging Face Hub on loopback with the real one's URL layout and headers, serving files from the shared test
 * models: {@code /api/models/{repo}}, {@code /api/models/{repo}/tree/main}, and {@code /{repo}/resolve/{rev}/{file}},
 * which answers with X-Repo-Commit, X-Linked-Etag (the SHA-256, computed here), X-Linked-Size and a 302 to a
 * CDN-like URL on another host name (localhost instead of 127.0.0.1) that serves the bytes with Range support.
 * Faults are injected per test: dropped connections, 5xx answers, stalls, corrupt bytes, gated repositories.
 */
public final class FakeHub implements AutoCloseable {
    public static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));
    public static final String TOKEN = "hf_test_token";

    public record Served(Path source, long size, String sha256, long advertisedSize) {
    }

    public record Request(String method, String path, String range, String authorization) {
    }

    private final HttpServer server;
    private final Map<String, Map<String, Served>> repos = new ConcurrentHashMap<>();
    private final Map<String, String> commits = new ConcurrentHashMap<>();
    private final Map<String, Served> blobs = new ConcurrentHashMap<>();
    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final java.util.Set<String> gated = ConcurrentHashMap.newKeySet();

    /** Drop the connection of the next GETs of file bytes after this many bytes of the body. */
    public final AtomicLong dropAfter = new AtomicLong(-1);
    public final AtomicInteger drops = new AtomicInteger();
    /** Answer the next CDN GETs with 503. */
    public final AtomicInteger failures = new AtomicInteger();
    /** Answer the next metadata (resolve) requests with 500. */
    public final AtomicInteger metadataFailures = new AtomicInteger();
    /** Stall the next CDN GET for this many ms before sending anything of the body. */
    public final AtomicLong stallMillis = new AtomicLong();
    /** Send file bytes at about this rate (0: as fast as possible), to watch the progress bar. */
    public volatile long bytesPerSecond;
    /** Flip a byte of every file served. */
    public volatile boolean corrupt;

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public HubConfig config(Path cache) {
        return new HubConfig(endpoint(), null, cache, false, java.time.Duration.ofSeconds(5),
                java.time.Duration.ofSeconds(5), 3, java.time.Duration.ofMillis(10));
    }

    /** Adds a repository whose files are shared models, under the names given. */
    public FakeHub repo(String repo, Map<String, String> fileToSharedModel) {
        Map<String, Served> files = new LinkedHashMap<>();
        fileToSharedModel.forEach((name, model) -> files.put(name, serve(SHARED.resolve("models").resolve(model), -1)));
        repos.put(repo, files);
        commits.put(repo, sha1(repo + "@1"));
        return this;
    }

    /** A file whose advertised size is {@code size} (to test the free-space check). */
    public FakeHub hugeFile(String repo, String file, long size) {
        repos.get(repo).put(file, serve(SHARED.resolve("models/stories260K.gguf"), size));
        return this;
    }

    /** A new commit on main (the files stay the same). */
    public void newCommit(String repo, String salt) {
        commits.put(repo, sha1(repo + "@" + salt));
    }

    public String commit(String repo) {
        return commits.get(repo);
    }

    public Served file(String repo, String file) {
        return repos.get(repo).get(file);
    }

    public List<Request> requests(String method, String pathPart) {
        return requests.stream().filter(r -> r.method.equals(method) && r.path.contains(pathPart)).toList();
    }

    private Served serve(Path source, long advertised) {
        try {
            byte[] bytes = Files.readAllBytes(source);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            Served s = new Served(source, bytes.length, sha, advertised);
            blobs.put(sha, s);
            return s;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
                ex.getRequestHeaders().getFirst("Authorization")));
        try (ex) {
            if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()));
            } else if (path.startsWith("/api/models/")) {
                api(ex, path.substring("/api/models/".length()));
            } else {
                resolve(ex, path.substring(1));
            }
        } catch (IOException e) {
            // the client went away, or a fault closed the connection on purpose
        }
    }

    private void api(HttpExchange ex, String rest) throws IOException {
        String[] parts = rest.split("/");
        String repo = parts.length >= 2 ? parts[0] + "/" + parts[1] : rest;
        Map<String, Served> files = repos.get(repo);
        if (files == null || !authorised(ex, repo)) {
            error(ex, files == null ? 404 : 401, files == null ? "RepoNotFound" : "GatedRepo");
            return;
        }
        StringBuilder json = new StringBuilder();
        if (parts.length == 2) {
            json.append("{\"id\":\"").append(repo).append("\",\"sha\":\"").append(commits.get(repo)).append("\",\"siblings\":[");
            List<String> names = new ArrayList<>(files.keySet());
            names.add("README.md");
            for (int i = 0; i < names.size(); i++) {
                json.append(i > 0 ? "," : "").append("{\"rfilename\":\"").append(names.get(i)).append("\"}");
            }
            json.append("]}");
        } else {
            json.append("[{\"type\":\"file\",\"oid\":\"").append(sha1("readme")).append("\",\"size\":12,\"path\":\"README.md\"}");
            for (Map.Entry<String, Served> f : files.entrySet()) {
                json.append(",{\"type\":\"file\",\"oid\":\"").append(sha1(f.getKey())).append("\",\"size\":")
                        .append(f.getValue().size).append(",\"path\":\"").append(f.getKey())
                        .append("\",\"lfs\":{\"oid\":\"").append(f.getValue().sha256).append("\",\"size\":")
                        .append(f.getValue().size).append(",\"pointerSize\":135}}");
            }
            json.append("]");
        }
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, String rest) throws IOException {
        int at = rest.indexOf("/resolve/");
        String repo = at > 0 ? rest.substring(0, at) : rest;
        Map<String, Served> files = repos.get(repo);
        if (files == null) {
            error(ex, 404, "RepoNotFound");
            return;
        }
        if (!authorised(ex, repo)) {
            boolean tokenSent = ex.getRequestHeaders().getFirst("Authorization") != null;
            error(ex, tokenSent ? 403 : 401, "GatedRepo");
            return;
        }
        if (metadataFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(ex, 500, "");
            return;
        }
        String[] revAndFile = rest.substring(at + "/resolve/".length()).split("/", 2);
        if (!revAndFile[0].equals("main") && !revAndFile[0].equals(commits.get(repo))) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        Served f = revAndFile.length == 2 ? files.get(java.net.URLDecoder.decode(revAndFile[1], StandardCharsets.UTF_8)) : null;
        if (f == null) {
            error(ex, 404, "EntryNotFound");
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", commits.get(repo));
        h.add("X-Linked-Etag", "\"" + f.sha256 + "\"");
        h.add("ETag", "\"" + f.sha256 + "\"");
        h.add("X-Linked-Size", Long.toString(f.advertisedSize >= 0 ? f.advertisedSize : f.size));
        h.add("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/" + f.sha256);
        ex.sendResponseHeaders(302, -1);
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        Served f = blobs.get(sha);
        if (f == null) {
            error(ex, 404, "");
            return;
        }
        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(ex, 503, "");
            return;
        }
        byte[] bytes = Files.readAllBytes(f.source);
        if (corrupt) {
            bytes[bytes.length / 2] ^= 1;
        }
        long start = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        var h = ex.getResponseHeaders();
        h.add("Accept-Ranges", "bytes");
        h.add("ETag", "\"" + sha + "\"");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            start = Long.parseLong(range.substring(6, range.length() - 1));
            if (start >= bytes.length) {
                h.add("Content-Range", "bytes */" + bytes.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            h.add("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        long length = bytes.length - start;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(range != null ? 206 : 200, -1);
            return;
        }
        long stall = stallMillis.getAndSet(0);
        ex.sendResponseHeaders(range != null ? 206 : 200, length);
        OutputStream out = ex.getResponseBody();
        if (stall > 0) {
            out.flush();
            try {
                Thread.sleep(stall);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long drop = dropAfter.get();
        if (drop >= 0 && drops.get() > 0 && drops.decrementAndGet() >= 0) {
            int n = (int) Math.min(length, drop);
            out.write(bytes, (int) start, n);
            out.flush();
            // Leave without finishing the body: the server closes the connection short of Content-Length.
            throw new IOException("dropped on purpose");
        }
        long rate = bytesPerSecond;
        if (rate <= 0) {
            out.write(bytes, (int) start, (int) length);
            return;
        }
        int chunk = (int) Math.max(1, rate / 20);
        for (long at = start; at < bytes.length; at += chunk) {
            out.write(bytes, (int) at, (int) Math.min(chunk, bytes.length - at));
            out.flush();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean authorised(HttpExchange ex, String repo) {
        return !gated.contains(repo) || ("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"));
    }

    private static void error(HttpExchange ex, int status, String code) throws IOException {
        if (!code.isEmpty()) {
            ex.getResponseHeaders().add("X-Error-Code", code);
        }
        byte[] body = ("{\"error\":\"" + code + "\"}").getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
        }
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] bytes(Served s) throws IOException {
        try (InputStream in = Files.newInputStream(s.source)) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
