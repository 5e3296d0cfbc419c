package dev.caravel.format.gguf;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared, read-only test data ({@code caravel.shared}) and assertions the GGUF tests share. */
final class TestData {
    private TestData() {
    }

    static Path shared() {
        String dir = System.getProperty("caravel.shared");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "models")), "no shared test data (caravel.shared)");
        return Path.of(dir);
    }

    static Path model(String name) {
        return shared().resolve("models").resolve(name);
    }

    /** Every GGUF in models/ and reference/tokenizer/, sorted by name. */
    static List<Path> allGgufFiles() {
        Path root = shared();
        try (Stream<Path> a = Files.list(root.resolve("models")); Stream<Path> b = Files.list(root.resolve("reference/tokenizer"))) {
            return Stream.concat(a, b).filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opening {@code file} must fail with a one-line GgufFormatException naming it; returns the message. */
    static String assertRejected(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            throw new AssertionError("expected " + file + " to be rejected, but it opened with " + g.tensors().size() + " tensors");
        } catch (GgufFormatException e) {
            assertOneLineNaming(e, file);
            return e.getMessage();
        }
    }

    static void assertOneLineNaming(GgufFormatException e, Path file) {
        assertThat(e.getMessage()).contains(file.getFileName().toString()).doesNotContain("\n").doesNotContain("\r");
    }
}
