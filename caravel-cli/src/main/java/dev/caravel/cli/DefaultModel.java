package dev.caravel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * The model used when none is given: Qwen2.5-0.5B-Instruct in Q4_K_M (bilingual, small, fast),
 * downloaded once from the Hugging Face Hub (or the mirror in {@code HF_ENDPOINT}) into the
 * local model store.
 */
final class DefaultModel {
    static final String REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF";
    static final String FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf";

    private DefaultModel() {
    }

    static Path store() {
        String override = System.getenv("CARAVEL_MODELS");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "caravel", "models");
    }

    static Path resolve() {
        Path target = store().resolve(FILE);
        if (Files.isRegularFile(target)) {
            return target;
        }
        String endpoint = System.getenv().getOrDefault("HF_ENDPOINT", "https://huggingface.co").replaceAll("/+$", "");
        URI uri = URI.create(endpoint + "/" + REPO + "/resolve/main/" + FILE);
        System.err.println("caravel: no model given; pulling the default model " + REPO + "/" + FILE);
        System.err.println("         from " + uri.getHost() + " into " + target.getParent());
        try {
            download(uri, target);
        } catch (IOException | InterruptedException e) {
            throw new UsageException("could not download the default model from " + uri.getHost() + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ").\n"
                    + "  Offline? Point Caravel at a local GGUF file: ./caravel chat -m /path/to/model.gguf\n"
                    + "  Behind a mirror? Set HF_ENDPOINT (e.g. HF_ENDPOINT=https://hf-mirror.com).");
        }
        return target;
    }

    private static void download(URI uri, Path target) throws IOException, InterruptedException {
        Files.createDirectories(target.getParent());
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30));
        String token = System.getenv("HF_TOKEN");
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("HTTP " + response.statusCode());
        }
        long total = response.headers().firstValueAsLong("content-length").orElse(-1);
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(part)) {
            byte[] buffer = new byte[1 << 20];
            long done = 0;
            long lastReport = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                done += n;
                if (done - lastReport > (8 << 20)) {
                    lastReport = done;
                    System.err.printf("\r  %,d MB%s", done >> 20, total > 0 ? String.format(" of %,d MB", total >> 20) : "");
                }
            }
            System.err.println();
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
