package dev.caravel.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs every {@code ggml-vocab-*.gguf} with its {@code .inp/.out} found in the directory named by
 * {@code -Dcaravel.llamacpp.vocabs} (e.g. llama.cpp's {@code models/} folder). Those files are not
 * part of the shared test data; the test is skipped when the property is not set.
 */
@EnabledIfSystemProperty(named = "caravel.llamacpp.vocabs", matches = ".+")
class ExtraLlamaCppVocabsTest {

    @TestFactory
    Stream<DynamicTest> allVocabulariesInDirectory() throws IOException {
        Path dir = Path.of(System.getProperty("caravel.llamacpp.vocabs"));
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path gguf : files.filter(p -> p.getFileName().toString().matches("ggml-vocab-.*\\.gguf")).sorted().toList()) {
                if (Files.exists(Path.of(gguf + ".inp")) && Files.exists(Path.of(gguf + ".out"))) {
                    String name = gguf.getFileName().toString().replace("ggml-vocab-", "").replace(".gguf", "");
                    tests.addAll(LlamaCppVocabVectorsTest.casesFor(name, () -> TestData.gguf(gguf), gguf));
                }
            }
        }
        return tests.stream();
    }
}
