package dev.caravel.tools.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Hub's HTTP API, as much of it as pulling a model needs: the file listing of a repository
 * ({@code /api/models/{repo}/tree/main}), a file's metadata (HEAD on {@code /{repo}/resolve/{rev}/{file}}:
 * commit, SHA-256, size) and the file's bytes (GET on the same URL, which for LFS files redirects to a CDN).
 * Redirects are followed here rather than by {@link HttpClient} so that the token goes only to the Hub's own
 * host, never to the CDN a redirect names.
 */
public final class HubClient {
    /** A file listed by the tree API; {@code sha256} is the LFS object id, null for files kept in git. */
    public record RemoteFile(String path, long size, String sha256) {
    }

    /**
     * A file's metadata from HEAD: the commit main resolved to, the ETag (the blob's name in the cache),
     * the size, and the SHA-256 to check the bytes against (null when the Hub publishes none: git files).
     */
    public record FileInfo(String commit, String etag, long size, String sha256) {
    }

    private static final int MAX_REDIRECTS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubConfig config;
    private HttpClient http;

    public HubClient(HubConfig config) {
        this.config = config;
    }

    /** Made on first use: a cached model needs no network, and an HttpClient starts a selector thread. */
    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(config.connectTimeout()).build();
        }
        return http;
    }

    public HubConfig config() {
        return config;
    }

    /** Every file of the repository at main, with sizes and LFS hashes. */
    public List<RemoteFile> listFiles(String repo) {
        URI uri = URI.create(config.endpoint() + "/api/models/" + repo + "/tree/main?recursive=true");
        HttpResponse<byte[]> r = metadata(uri, "GET", repo, null);
        List<RemoteFile> files = new ArrayList<>();
        try {
            JsonNode tree = JSON.readTree(r.body());
            if (!tree.isArray()) {
                throw new IOException("not a JSON array");
            }
            for (JsonNode n : tree) {
                if (!"file".equals(n.path("type").asText("file")) || !n.hasNonNull("path")) {
                    continue;
                }
                JsonNode lfs = n.path("lfs");
                String sha = lfs.hasNonNull("oid") ? lfs.get("oid").asText() : null;
                long size = lfs.hasNonNull("size") ? lfs.get("size").asLong() : n.path("size").asLong(-1);
                files.add(new RemoteFile(n.get("path").asText(), size, sha));
            }
        } catch (IOException e) {
            throw new HubException(HubException.Kind.SERVER, "unexpected answer from " + config.host()
                    + " listing " + repo + " (" + e.getMessage() + "); is HF_ENDPOINT a Hugging Face Hub?");
        }
        return files;
    }

    /** HEAD of a file: commit, ETag, size, SHA-256. */
    public FileInfo head(String repo, String revision, String file) {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<byte[]> r = metadata(uri, "HEAD", repo, file);
        HttpHeaders h = r.headers();
        String commit = h.firstValue("x-repo-commit").orElse(null);
        String etag = h.firstValue("x-linked-etag").or(() -> h.firstValue("etag")).map(HubClient::unquote).orElse(null);
        long size = h.firstValueAsLong("x-linked-size").orElse(-1);
        if (size < 0 && r.statusCode() / 100 == 2) {
            size = h.firstValueAsLong("content-length").orElse(-1);
        }
        if (commit == null || etag == null || !commit.matches("[0-9a-fA-F]{40}") || !etag.matches("[0-9A-Za-z_.-]+")) {
            throw new HubException(HubException.Kind.SERVER, config.host() + " did not send the commit and ETag of "
                    + repo + "/" + file + " (X-Repo-Commit, ETag); is HF_ENDPOINT a Hugging Face Hub or a mirror of it?");
        }
        String sha = etag.matches("[0-9a-f]{64}") ? etag : null;
        return new FileInfo(commit, etag, size, sha);
    }

    URI resolveUri(String repo, String revision, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) {
            path.append('/').append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(config.endpoint() + "/" + repo + "/resolve/" + revision + path);
    }

    /**
     * A metadata request, with retries on 5xx and timeouts; a host that cannot be reached at all fails at
     * once (waiting half a minute to say "offline" helps nobody). HEAD stops at an absolute redirect (the
     * CDN): the Hub puts the file's metadata on that redirect.
     */
    private HttpResponse<byte[]> metadata(URI uri, String method, String repo, String file) {
        int attempts = config.retries() + 1;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<byte[]> r = follow(uri, method, null, HttpResponse.BodyHandlers.ofByteArray(), "HEAD".equals(method));
                int s = r.statusCode();
                if (s / 100 == 2 || s / 100 == 3) {
                    return r;
                }
                if ((s >= 500 || s == 429) && attempt < attempts) {
                    sleep(backoff(attempt));
                    continue;
                }
                throw httpError(s, r.headers(), repo, file);
            } catch (IOException e) {
                if (unreachable(e) || attempt >= attempts) {
                    throw networkError(e);
                }
                sleep(backoff(attempt));
            }
        }
    }

    /**
     * Sends a request and follows redirects by hand (relative ones, as the Hub sends for renamed repositories,
     * and absolute ones to a CDN), with the token only on the Hub's host. With {@code onlyRelative} an absolute
     * redirect is returned as it is: for HEAD the Hub puts the file's metadata on its redirect to the CDN, and
     * huggingface_hub reads it there too.
     */
    <T> HttpResponse<T> follow(URI uri, String method, String range, HttpResponse.BodyHandler<T> body,
                               boolean onlyRelative) throws IOException {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(config.stallTimeout()).header("User-Agent", "caravel/0.1 (huggingface_hub compatible)");
            if ("HEAD".equals(method)) {
                b.header("Accept-Encoding", "identity"); // so that sizes are the file's, not a compressed body's
            }
            if (range != null) {
                b.header("Range", range);
            }
            if (config.token() != null && sameHost(current, config.endpoint())) {
                b.header("Authorization", "Bearer " + config.token());
            }
            HttpResponse<T> r = send(b.build(), body);
            int s = r.statusCode();
            Optional<String> location = r.headers().firstValue("location");
            if (!(s == 301 || s == 302 || s == 303 || s == 307 || s == 308) || location.isEmpty()) {
                return r;
            }
            URI target;
            try {
                target = URI.create(location.get().strip());
            } catch (IllegalArgumentException e) {
                throw new IOException("bad redirect from " + current.getHost() + ": " + location.get());
            }
            if (onlyRelative && target.isAbsolute()) {
                return r;
            }
            URI next = current.resolve(target);
            if (hop >= MAX_REDIRECTS) {
                throw new IOException("too many redirects from " + uri);
            }
            discard(r);
            current = next;
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return http().send(request, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, "interrupted while talking to " + request.uri().getHost());
        }
    }

    private static void discard(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is dropped either way
            }
        }
    }

    private static boolean sameHost(URI a, URI b) {
        return Objects.equals(a.getHost(), b.getHost()) && a.getPort() == b.getPort()
                && Objects.equals(a.getScheme(), b.getScheme());
    }

    /** Errors that retrying cannot fix soon: no such host, nothing listening, no route. */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof UnresolvedAddressException
                    || t instanceof HttpConnectTimeoutException || t instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    HubException networkError(IOException e) {
        String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        // The JDK wraps the cause that says what happened (ConnectException around UnresolvedAddressException).
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                reason = "unknown host";
                break;
            } else if (t instanceof HttpConnectTimeoutException) {
                reason = "connection timed out";
                break;
            } else if (t instanceof java.net.http.HttpTimeoutException) {
                reason = "no answer within " + config.stallTimeout().toSeconds() + " s";
                break;
            } else if (t instanceof ConnectException) {
                reason = "connection refused";
            }
        }
        return new HubException(HubException.Kind.NETWORK, "cannot reach " + config.host() + " (" + reason
                + "); offline, use a local file (-m model.gguf) or a pulled model with --offline; "
                + "where the Hub is blocked, set HF_ENDPOINT to a mirror (e.g. HF_ENDPOINT=https://hf-mirror.com)", e);
    }

    /** The one-line error for an HTTP status, using the Hub's X-Error-Code header where it sent one. */
    HubException httpError(int status, HttpHeaders h, String repo, String file) {
        String code = h.firstValue("x-error-code").orElse("");
        String page = config.endpoint() + "/" + repo;
        String what = file != null ? repo + "/" + file : repo;
        if (code.equals("RepoNotFound") || (status == 404 && file == null)) {
            return new HubException(HubException.Kind.NOT_FOUND, "repository " + repo + " not found on " + config.host()
                    + (config.token() == null ? " (if it is private, set HF_TOKEN)" : ""));
        }
        if (code.equals("RevisionNotFound")) {
            return new HubException(HubException.Kind.NOT_FOUND, "revision not found in " + repo + " on " + config.host());
        }
        if (status == 404 || code.equals("EntryNotFound")) {
            return new HubException(HubException.Kind.NOT_FOUND, "file " + file + " not found in " + repo + " on "
                    + config.host() + " (see " + page + "/tree/main)");
        }
        if (status == 401 || status == 403) {
            String gated = code.equals("GatedRepo") ? what + " is a gated model" : what + " needs authorisation (HTTP " + status + ")";
            return new HubException(HubException.Kind.UNAUTHORIZED, gated + ": accept its licence on " + page
                    + (config.token() == null ? " and set HF_TOKEN to an access token of that account"
                    : " with the account of HF_TOKEN (the token was sent and not accepted)"));
        }
        if (status == 416) {
            return new HubException(HubException.Kind.SERVER, config.host() + " refused the byte range asked for " + what);
        }
        return new HubException(status >= 500 || status == 429 ? HubException.Kind.SERVER : HubException.Kind.NOT_FOUND,
                config.host() + " answered HTTP " + status + " for " + what
                        + h.firstValue("x-error-message").map(m -> ": " + m).orElse(""));
    }

    Duration backoff(int failures) {
        long ms = config.retryDelay().toMillis() << Math.min(failures - 1, 5);
        return Duration.ofMillis(Math.min(ms, 30_000));
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, "interrupted");
        }
    }

    private static String unquote(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
