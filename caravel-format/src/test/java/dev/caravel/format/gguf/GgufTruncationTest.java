package dev.caravel.format.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** A real file cut at every byte of its header, and at a sample of bytes of its data, is a clean error. */
class GgufTruncationTest {

    @Test
    void everyTruncationIsAFormatErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Path source = TestData.model("stories260K.gguf");
        long dataOffset;
        long lastTensorEnd = 0;
        try (GgufFile g = GgufFile.open(source)) {
            dataOffset = g.dataOffset();
            for (GgufTensorInfo t : g.tensors().values()) {
                lastTensorEnd = Math.max(lastTensorEnd, dataOffset + t.offset() + t.byteSize());
            }
        }
        long size = Files.size(source);
        // Every length from 0 to the start of the data section, then a seeded sample of the data section.
        TreeSet<Long> lengths = new TreeSet<>();
        for (long n = 0; n <= dataOffset; n++) {
            lengths.add(n);
        }
        Random random = new Random(260);
        for (int i = 0; i < 300; i++) {
            lengths.add(dataOffset + 1 + (long) (random.nextDouble() * (size - dataOffset - 1)));
        }
        lengths.add(size - 1);

        Path file = Files.copy(source, dir.resolve("stories260K-cut.gguf"));
        int rejected = 0;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // Longest first: each step only shortens the same file.
            for (long n : lengths.descendingSet()) {
                raf.setLength(n);
                if (n >= lastTensorEnd) {
                    try (GgufFile g = GgufFile.open(file)) {
                        assertThat(g.tensors()).hasSize(48);
                    }
                } else {
                    String message = TestData.assertRejected(file);
                    assertThat(message).as("cut at %d", n).containsAnyOf("truncated", "outside the file", "not a GGUF file", "absurd");
                    rejected++;
                }
            }
        }
        assertThat(rejected).isGreaterThan((int) dataOffset);
    }
}
