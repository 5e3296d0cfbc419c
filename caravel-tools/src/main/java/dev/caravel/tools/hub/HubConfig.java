package dev.caravel.tools.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where the Hub is and where its files go: the endpoint (a mirror such as https://hf-mirror.com works),
 * the access token for gated or private models, the cache directory (the layout huggingface_hub uses, so
 * files are shared with other tools), offline mode, and the network's patience. Built from the
 * environment in exactly one place ({@link #fromEnvironment}) so that tests can inject every value.
 *
 * @param retries       attempts after the first one for a failed transfer (5xx, dropped connection)
 * @param retryDelay    the first back-off; it doubles with each further failure
 * @param stallTimeout  how long a transfer may receive nothing before the connection is given up
 */
public record HubConfig(URI endpoint, String token, Path cacheDir, boolean offline,
                        Duration connectTimeout, Duration stallTimeout, int retries, Duration retryDelay) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubConfig {
        String e = endpoint.toString().replaceAll("/+$", "");
        endpoint = URI.create(e);
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    /** A configuration with the usual timeouts and retries. */
    public static HubConfig of(URI endpoint, String token, Path cacheDir, boolean offline) {
        return new HubConfig(endpoint, token, cacheDir, offline, Duration.ofSeconds(15), Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1));
    }

    public HubConfig withOffline(boolean offline) {
        return new HubConfig(endpoint, token, cacheDir, offline, connectTimeout, stallTimeout, retries, retryDelay);
    }

    /** The host named in network error messages. */
    public String host() {
        return endpoint.getHost() != null ? endpoint.getHost() : endpoint.toString();
    }

    /**
     * The configuration huggingface_hub would use with this environment: {@code HF_ENDPOINT},
     * {@code HF_TOKEN} (else {@code HUGGING_FACE_HUB_TOKEN}, else the file {@code huggingface-cli login}
     * writes, {@code $HF_HOME/token}), {@code HF_HUB_CACHE} (else {@code $HF_HOME/hub}, else
     * {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}) and
     * {@code HF_HUB_OFFLINE}.
     */
    public static HubConfig fromEnvironment(Map<String, String> env, Path userHome) {
        String endpoint = nonBlank(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.USAGE, "HF_ENDPOINT is not a URL: " + endpoint);
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw new HubException(HubException.Kind.USAGE, "HF_ENDPOINT must be an http(s) URL, got " + endpoint);
        }
        Path hfHome = env.get("HF_HOME") != null && !env.get("HF_HOME").isBlank() ? Path.of(env.get("HF_HOME"))
                : env.get("XDG_CACHE_HOME") != null && !env.get("XDG_CACHE_HOME").isBlank()
                ? Path.of(env.get("XDG_CACHE_HOME"), "huggingface")
                : userHome.resolve(".cache").resolve("huggingface");
        Path cache = env.get("HF_HUB_CACHE") != null && !env.get("HF_HUB_CACHE").isBlank()
                ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        String token = nonBlank(env.get("HF_TOKEN"), nonBlank(env.get("HUGGING_FACE_HUB_TOKEN"), null));
        if (token == null) {
            Path tokenFile = env.get("HF_TOKEN_PATH") != null ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            token = readToken(tokenFile);
        }
        return of(uri, token, cache, truthy(env.get("HF_HUB_OFFLINE")));
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? nonBlank(Files.readString(file).strip(), null) : null;
        } catch (IOException e) {
            return null; // an unreadable token file means "no token", as for huggingface_hub
        }
    }

    static boolean truthy(String value) {
        if (value == null) {
            return false;
        }
        return switch (value.strip().toUpperCase(Locale.ROOT)) {
            case "1", "ON", "YES", "TRUE" -> true;
            default -> false;
        };
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
