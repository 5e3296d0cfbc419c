package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.WeightMatrix;
import dev.caravel.tensor.kernel.Panels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Panels kept on disk: the same logits as panels built in memory, and nothing but valid, matching entries used. */
class PanelCacheTest {
    static final Path MODELS = Path.of(System.getProperty("caravel.shared", "../../shared"), "models");

    @TempDir
    Path root;

    @org.junit.jupiter.api.BeforeEach
    void panelsInUse() {
        // panels exist only with the Vector API kernels (the scalar and FAST runs of this module have none)
        org.junit.jupiter.api.Assumptions.assumeTrue(Panels.applies(GgmlType.Q4_0, 16, 32));
    }

    @ParameterizedTest
    @ValueSource(strings = {"random-llama-q4_0.gguf", "random-llama-q4_k_m.gguf", "random-qwen2-q8_0.gguf", "random-llama-q5_0.gguf"})
    void cachedPanelsGiveTheSameLogits(String name) {
        Path path = MODELS.resolve(name);
        float[][] built = logits(path, null);
        float[][] saving = logits(path, root);
        PanelCache.awaitSaves();
        Path dir;
        try (GgufFile file = GgufFile.open(path)) {
            dir = PanelCache.open(root, file, Long.MAX_VALUE).directory();
        }
        assertThat(dir).as("the model's cache directory").isDirectory();
        assertThat(files(dir)).as("one file a panelled matrix, no temporaries").isNotEmpty().allMatch(f -> f.endsWith(".panels"));
        float[][] mapped = logits(path, root);
        for (int t = 0; t < built.length; t++) {
            assertThat(saving[t]).as(name + " token " + t + " while saving").containsExactly(built[t]);
            assertThat(mapped[t]).as(name + " token " + t + " from the cache").containsExactly(built[t]);
        }
    }

    @Test
    void usesOnlyCompleteMatchingEntries() throws IOException {
        try (GgufFile file = GgufFile.open(MODELS.resolve("random-llama-q4_0.gguf"))) {
            PanelCache cache = PanelCache.open(root, file, Long.MAX_VALUE);
            WeightMatrix source = new ModelWeights(file).matrix("blk.0.ffn_up.weight", 768, 256);
            assertThat(source.type()).isEqualTo(GgmlType.Q4_0);
            int rows = source.rows();
            int cols = source.cols();
            long bytes = Panels.byteSize(GgmlType.Q4_0, rows, cols);
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q4_0, rows, cols, bytes)).as("nothing saved yet").isNull();

            // a matrix made with the cache saves its panels when it builds them, and a second one maps them
            WeightMatrix first = new WeightMatrix(GgmlType.Q4_0, source.data(), rows, cols, cache, "blk.0.ffn_up.weight");
            assertThat(first.pendingPanelGroups()).isPositive();
            MemorySegment panels = first.panels();
            PanelCache.awaitSaves();
            WeightMatrix second = new WeightMatrix(GgmlType.Q4_0, source.data(), rows, cols, cache, "blk.0.ffn_up.weight");
            assertThat(second.pendingPanelGroups()).as("panels taken from the cache").isZero();
            assertThat(second.panels().mismatch(panels)).isEqualTo(-1);

            // another shape, type or name finds nothing
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q4_0, rows / 2, cols * 2, bytes)).isNull();
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q8_0, rows, cols, bytes)).isNull();
            assertThat(cache.find("blk.1.ffn_up.weight", GgmlType.Q4_0, rows, cols, bytes)).isNull();

            Path saved = cache.directory().resolve("blk.0.ffn_up.weight.panels");
            byte[] good = Files.readAllBytes(saved);
            // a truncated file
            try (RandomAccessFile f = new RandomAccessFile(saved.toFile(), "rw")) {
                f.setLength(good.length - 1);
            }
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q4_0, rows, cols, bytes)).as("truncated").isNull();
            // a damaged header (the digest of another model file)
            byte[] foreign = good.clone();
            foreign[40] ^= 1;
            Files.write(saved, foreign);
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q4_0, rows, cols, bytes)).as("foreign digest").isNull();
            Files.write(saved, good);
            assertThat(cache.find("blk.0.ffn_up.weight", GgmlType.Q4_0, rows, cols, bytes)).isNotNull();
        }
    }

    @Test
    void eachModelFileHasItsOwnDirectory() {
        Path a;
        Path b;
        try (GgufFile file = GgufFile.open(MODELS.resolve("random-llama-q4_0.gguf"))) {
            a = PanelCache.open(root, file, 0).directory();
        }
        try (GgufFile file = GgufFile.open(MODELS.resolve("random-llama-q4_0.gguf"))) {
            assertThat(PanelCache.open(root, file, 0).directory()).as("same file, same directory").isEqualTo(a);
        }
        try (GgufFile file = GgufFile.open(MODELS.resolve("random-llama-q4_1.gguf"))) {
            b = PanelCache.open(root, file, 0).directory();
        }
        assertThat(b).isNotEqualTo(a);
    }

    @Test
    void aModelsDirectoryCanBeFoundFromItsPathAndDeleted() {
        Path model = MODELS.resolve("random-llama-q4_0.gguf");
        String before = System.getProperty(PanelCache.PROPERTY);
        try {
            System.setProperty(PanelCache.PROPERTY, "off");
            assertThat(PanelCache.directoryFor(model)).as("no cache").isNull();
            System.setProperty(PanelCache.PROPERTY, root.toString());
            assertThat(PanelCache.directoryFor(root.resolve("missing.gguf"))).as("not a model file").isNull();
            logits(model, root);
            PanelCache.awaitSaves();
            Path dir = PanelCache.directoryFor(model);
            assertThat(dir).isDirectory();
            assertThat(PanelCache.delete(dir)).as("bytes freed").isPositive();
            assertThat(dir).doesNotExist();
            assertThat(PanelCache.delete(dir)).isZero();
        } finally {
            if (before == null) {
                System.clearProperty(PanelCache.PROPERTY);
            } else {
                System.setProperty(PanelCache.PROPERTY, before);
            }
        }
    }

    @Test
    void saveIntoAnUnusableRootIsHarmless() throws IOException {
        Path notADirectory = Files.writeString(root.resolve("file"), "x");
        try (GgufFile file = GgufFile.open(MODELS.resolve("random-llama-q4_0.gguf"))) {
            PanelCache cache = PanelCache.open(notADirectory, file, Long.MAX_VALUE);
            WeightMatrix source = new ModelWeights(file).matrix("blk.0.ffn_up.weight", 768, 256);
            WeightMatrix w = new WeightMatrix(source.type(), source.data(), source.rows(), source.cols(), cache, "blk.0.ffn_up.weight");
            assertThat(w.panels()).isNotNull();
            PanelCache.awaitSaves();
            assertThat(cache.find("blk.0.ffn_up.weight", source.type(), source.rows(), source.cols(), w.panels().byteSize())).isNull();
        }
    }

    @Test
    void pruningDeletesTheLeastRecentlyUsedFirst() throws IOException {
        Path old = model("old", 1000, 100);
        Path mid = model("mid", 1000, 200);
        Path recent = model("recent", 1000, 300);
        PanelCache.prune(root, 2000, old);
        assertThat(old).as("kept: the model being saved").isDirectory();
        assertThat(mid).as("least recently used of the others").doesNotExist();
        assertThat(recent).isDirectory();
        PanelCache.prune(root, 5000, old);
        assertThat(recent).as("within budget: nothing deleted").isDirectory();
    }

    private Path model(String name, int bytes, long usedSeconds) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.write(dir.resolve("t.panels"), new byte[bytes]);
        Files.setLastModifiedTime(dir, FileTime.fromMillis(usedSeconds * 1000));
        return dir;
    }

    private static List<String> files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Logits of five decode steps and of a three-token chunk, with the panel cache at {@code cacheRoot} (or none). */
    private static float[][] logits(Path model, Path cacheRoot) {
        String before = System.getProperty(PanelCache.PROPERTY);
        System.setProperty(PanelCache.PROPERTY, cacheRoot == null ? "off" : cacheRoot.toString());
        try (GgufFile file = GgufFile.open(model)) {
            LanguageModel m = Architectures.load(file);
            DecoderState state = m.newState(32);
            float[][] out = new float[6][];
            for (int p = 0; p < 5; p++) {
                out[p] = m.forward(state, (p * 31 + 3) % m.config().vocabSize(), p).clone();
            }
            DecoderState chunk = m.newState(32);
            out[5] = m.forward(chunk, new int[]{1, 2, 3}, 0, 3, 0, null).clone();
            return out;
        } finally {
            if (before == null) {
                System.clearProperty(PanelCache.PROPERTY);
            } else {
                System.setProperty(PanelCache.PROPERTY, before);
            }
        }
    }
}
