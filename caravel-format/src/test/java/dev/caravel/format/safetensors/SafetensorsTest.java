package dev.caravel.format.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir
    Path dir;

    private Path writeSample(Path file) throws IOException {
        try (SafetensorsWriter w = SafetensorsWriter.create(file)) {
            w.metadata("format", "pt");
            w.addTensor("a", SafetensorsDType.F32, 2, 3);
            w.addTensor("b", SafetensorsDType.F16, 3);
            w.addTensor("c", SafetensorsDType.BF16, 1, 2);
            // written out of order: the layout is fixed by addTensor
            w.writeTensor("c", new float[]{1.5f, -2f});
            w.writeTensor("a", new float[]{1, 2, 3, 4, 5, 6});
            w.writeTensor("b", new float[]{0.5f, 0.25f, -8f});
        }
        return file;
    }

    @Test
    void writesAndReadsBack() throws IOException {
        Path f = writeSample(dir.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat((8 + headerLength) % 8).isZero();
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.metadata()).containsEntry("format", "pt");
            assertThat(s.tensors().keySet()).containsExactly("a", "b", "c");
            SafetensorsTensor a = s.tensor("a");
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(a.rows()).isEqualTo(2);
            assertThat(a.cols()).isEqualTo(3);
            float[] x = new float[6];
            a.dtype().readFloats(s.data(a), 0, x, 0, 6);
            assertThat(x).containsExactly(1, 2, 3, 4, 5, 6);
            float[] y = new float[3];
            s.tensor("b").dtype().readFloats(s.data(s.tensor("b")), 0, y, 0, 3);
            assertThat(y).containsExactly(0.5f, 0.25f, -8f);
            float[] z = new float[2];
            s.tensor("c").dtype().readFloats(s.data(s.tensor("c")), 0, z, 0, 2);
            assertThat(z).containsExactly(1.5f, -2f);
        }
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        Path f = writeSample(dir.resolve("model.safetensors"));
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> SafetensorsFile.open(cut)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("truncated");
        Files.write(cut, Arrays.copyOf(all, 20));
        assertThatThrownBy(() -> SafetensorsFile.open(cut)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("header");
        Files.write(cut, Arrays.copyOf(all, 5));
        assertThatThrownBy(() -> SafetensorsFile.open(cut)).hasMessageContaining("only 5 bytes");
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void corruptHeadersAreOneLineErrors() throws IOException {
        String[][] cases = {
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "needs 8"},
                {"{\"a\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "unknown dtype 'Q4'"},
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", "bad dimension"},
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", "data_offsets"},
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"a\": {}}", "not valid JSON"},
                {"[1, 2]", "does not start with '{'"},
                {"{\"a\": ", "not valid JSON"},
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "hole"},
                {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "overlaps"},
        };
        for (String[] c : cases) {
            Path p = raw(c[0], 8);
            assertThatThrownBy(() -> SafetensorsFile.open(p)).as(c[0]).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("bad.safetensors").hasMessageContaining(c[1])
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        Path p = raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).hasMessageContaining("tensor 'w'").hasMessageContaining("truncated");
        assertThatThrownBy(() -> SafetensorsFile.open(dir.resolve("nope.safetensors"))).hasMessageContaining("no such file");
    }

    @Test
    void shardedCheckpointFollowsTheIndex() throws IOException {
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model-00001-of-00002.safetensors"))) {
            w.addTensor("x", SafetensorsDType.F32, 2);
            w.writeTensor("x", new float[]{1, 2});
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model-00002-of-00002.safetensors"))) {
            w.addTensor("y", SafetensorsDType.F32, 1);
            w.writeTensor("y", new float[]{3});
        }
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"metadata": {"total_size": 12}, "weight_map": {"x": "model-00001-of-00002.safetensors", "y": "model-00002-of-00002.safetensors"}}""");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.entries().keySet()).containsExactly("x", "y");
            float[] v = new float[1];
            c.get("y").readFloats(0, v, 0, 1);
            assertThat(v[0]).isEqualTo(3f);
        }
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"x": "model-00001-of-00002.safetensors", "z": "model-00002-of-00002.safetensors"}}""");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessageContaining("'z'").hasMessageContaining("missing");
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"x": "model-00003-of-00002.safetensors"}}""");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessageContaining("shard model-00003-of-00002.safetensors").hasMessageContaining("missing");
    }

    @Test
    void emptyDirectoryIsAClearError() {
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("no model.safetensors");
    }

    @Test
    void incompleteWriteLeavesNothing() throws IOException {
        Path f = dir.resolve("x.safetensors");
        assertThatThrownBy(() -> {
            try (SafetensorsWriter w = SafetensorsWriter.create(f)) {
                w.addTensor("a", SafetensorsDType.F32, 4);
                w.writeTensor("a", new float[]{1, 2});
            }
        }).isInstanceOf(IllegalArgumentException.class);
        assertThat(f).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
