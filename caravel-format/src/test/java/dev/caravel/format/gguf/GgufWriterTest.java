package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.Half;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesTensorsFromEverySourceInAnyOrder() throws IOException {
        Path file = dir.resolve("model.gguf");
        float[] values = {0f, 1f, -2.5f, 1e-8f, 65504f, 70000f, Float.NaN, 3.14159f};
        byte[] q8 = new byte[34 * 2];
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) i;
        }
        try (GgufWriter w = GgufWriter.create(file); Arena arena = Arena.ofConfined()) {
            w.putString("general.architecture", "test").putUInt32("test.block_count", 1);
            w.addTensor("f32", GgmlType.F32, 4, 2);
            w.addTensor("f16", GgmlType.F16, 8);
            w.addTensor("bf16", GgmlType.BF16, 8);
            w.addTensor("q8", GgmlType.Q8_0, 32, 2);
            w.addTensor("seg", GgmlType.I32, 3);
            MemorySegment seg = arena.allocate(12);
            seg.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 2, -7);
            w.writeTensor("seg", seg);
            w.writeTensor("q8", q8);
            w.writeTensor("bf16", values);
            w.writeTensor("f16", values);
            w.writeTensor("f32", values);
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.tensorList()).extracting(GgufTensorInfo::name).containsExactly("f32", "f16", "bf16", "q8", "seg");
            assertThat(g.tensorData(g.tensor("f32")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(values);
            short[] f16 = g.tensorData(g.tensor("f16")).toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            short[] bf16 = g.tensorData(g.tensor("bf16")).toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            for (int i = 0; i < values.length; i++) {
                assertThat(f16[i]).isEqualTo(Half.f32ToF16(values[i]));
                assertThat(bf16[i]).isEqualTo(Half.f32ToBf16(values[i]));
            }
            assertThat(Half.f16ToF32(f16[5])).isInfinite(); // 70000 overflows F16
            assertThat(g.tensorData(g.tensor("q8")).toArray(ValueLayout.JAVA_BYTE)).containsExactly(q8);
            assertThat(g.tensorData(g.tensor("seg")).getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 2)).isEqualTo(-7);
            assertThat(g.fileSize() % 32).isZero();
        }
    }

    @Test
    void streamsATensorInPiecesAndRejectsExcess() throws IOException {
        Path file = dir.resolve("pieces.gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            w.addTensor("t", GgmlType.I8, 100);
            try (WritableByteChannel ch = w.openTensor("t")) {
                for (int i = 0; i < 10; i++) {
                    byte[] piece = new byte[10];
                    java.util.Arrays.fill(piece, (byte) i);
                    assertThat(ch.write(ByteBuffer.wrap(piece))).isEqualTo(10);
                }
                assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
            }
            assertThatThrownBy(() -> w.openTensor("t")).isInstanceOf(IllegalStateException.class).hasMessageContaining("already written");
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.tensorData(g.tensor("t")).get(ValueLayout.JAVA_BYTE, 99)).isEqualTo((byte) 9);
        }
    }

    @Test
    void anIncompleteFileIsNeverLeftBehindNorClobbersTheTarget() throws IOException {
        Path file = Files.writeString(dir.resolve("keep.gguf"), "precious");
        GgufWriter w = GgufWriter.create(file);
        w.addTensor("a", GgmlType.F32, 4);
        w.addTensor("b", GgmlType.F32, 4);
        w.writeTensor("a", new float[4]);
        WritableByteChannel partial = w.openTensor("b");
        partial.write(ByteBuffer.allocate(8));
        assertThatThrownBy(partial::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("got 8 of its 16 bytes");
        assertThatThrownBy(w::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("[b]");
        assertThat(Files.readString(file)).isEqualTo("precious");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(file); // the temporary file is gone
        }
    }

    @Test
    void rejectsMisuseWithClearMessages() throws IOException {
        try (GgufWriter w = GgufWriter.create(dir.resolve("misuse.gguf"))) {
            w.putUInt8("a", 1);
            assertThatThrownBy(() -> w.putUInt8("a", 2)).hasMessageContaining("already set");
            assertThatThrownBy(() -> w.putUInt8("b", 256)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range for UINT8");
            assertThatThrownBy(() -> w.putInt8("b", -129)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.putUInt32("b", -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.putArray("b", GgufValueType.UINT16, 1, 70000)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.putArray("b", GgufValueType.STRING, 1L)).hasMessageContaining("cannot be held in long[]");
            assertThatThrownBy(() -> w.put("b", GgufValue.scalar(GgufValueType.UINT32, 5))).hasMessageContaining("Integer");
            assertThatThrownBy(() -> w.putString("", "x")).hasMessageContaining("1 to 65535 bytes");
            assertThatThrownBy(() -> w.putUInt32("general.alignment", 48)).hasMessageContaining("power of two");
            assertThatThrownBy(() -> w.putUInt64("general.alignment", 64)).hasMessageContaining("UINT32");
            assertThatThrownBy(() -> w.addTensor("x".repeat(64), GgmlType.F32, 1)).hasMessageContaining("63 bytes");
            assertThatThrownBy(() -> w.addTensor("q", GgmlType.Q4_K, 32)).hasMessageContaining("block size 256");
            assertThatThrownBy(() -> w.addTensor("d", GgmlType.F32, 1, 1, 1, 1, 1)).hasMessageContaining("5 dimensions");
            w.addTensor("t", GgmlType.F32, 2);
            assertThatThrownBy(() -> w.putUInt32("general.alignment", 64)).hasMessageContaining("before the first tensor");
            assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, 2)).hasMessageContaining("already added");
            assertThatThrownBy(() -> w.writeTensor("t", new byte[7])).hasMessageContaining("takes 8 bytes");
            assertThatThrownBy(() -> w.writeTensor("t", new float[3])).hasMessageContaining("has 2 elements");
            assertThatThrownBy(() -> w.writeTensor("nope", new byte[8])).hasMessageContaining("no tensor 'nope'");
            w.writeTensor("t", new float[]{1, 2});
            assertThatThrownBy(() -> w.putUInt8("late", 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("header");
        }
    }

    @Test
    void emptyFilesArePaddedLikeLlamaCppUnlessAskedNotTo() throws IOException {
        Path padded = dir.resolve("padded.gguf");
        try (GgufWriter w = GgufWriter.create(padded)) {
            w.putString("k", "v");
        }
        Path bare = dir.resolve("bare.gguf");
        try (GgufWriter w = GgufWriter.create(bare).padEmptyDataSection(false)) {
            w.putString("k", "v");
        }
        long header = 4 + 4 + 8 + 8 + (8 + 1) + 4 + (8 + 1);
        assertThat(Files.size(bare)).isEqualTo(header);
        assertThat(Files.size(padded)).isEqualTo(32 + 32);
        for (Path p : new Path[]{padded, bare}) {
            try (GgufFile g = GgufFile.open(p)) {
                assertThat(g.meta().string("k")).contains("v");
            }
        }
    }

    @Test
    void customAlignmentPlacesEveryTensor() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            w.putUInt32("general.alignment", 256);
            assertThat(w.addTensor("a", GgmlType.F32, 3).offset()).isZero();
            assertThat(w.addTensor("b", GgmlType.F16, 5).offset()).isEqualTo(256);
            assertThat(w.addTensor("c", GgmlType.I8, 0).offset()).isEqualTo(512);
            assertThat(w.addTensor("d", GgmlType.I8, 1).offset()).isEqualTo(512);
            w.writeTensor("a", new float[3]);
            w.writeTensor("b", new float[5]);
            w.writeTensor("c", new byte[0]);
            w.writeTensor("d", new byte[]{5});
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.alignment()).isEqualTo(256);
            assertThat(g.dataOffset() % 256).isZero();
            assertThat(g.fileSize()).isEqualTo(g.dataOffset() + 768);
            assertThat(g.tensorData(g.tensor("d")).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 5);
        }
    }
}
