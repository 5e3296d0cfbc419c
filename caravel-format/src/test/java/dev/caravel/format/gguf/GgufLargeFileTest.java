package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Offsets past 2 GiB (and past 4 GiB) work: nothing in the reader is an int. */
class GgufLargeFileTest {

    @Test
    void readsATensorBeyondFourGiBInASparseFile(@TempDir Path dir) throws IOException {
        long filler = (4L << 30) + 4096;          // an I8 tensor of 4 GiB + 4 KiB that is never written
        long farOffset = filler;                   // the second tensor starts right after it (aligned)
        RawGguf header = RawGguf.header(3, 2, 1)
                .kv("general.architecture", GgufValueType.STRING).str("sparse")
                .tensor("filler", GgmlType.I8.id(), 0, filler)
                .tensor("far", GgmlType.F32.id(), farOffset, 4, 2)
                .pad(32);
        long dataOffset = header.size();
        long size = dataOffset + farOffset + 32;
        Path file = header.write(dir.resolve("sparse.gguf"));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            try {
                raf.setLength(size);
            } catch (IOException e) {
                Assumptions.abort("file system refuses a sparse " + size + "-byte file: " + e.getMessage());
            }
            raf.seek(dataOffset + farOffset + 7 * 4);
            raf.writeInt(Integer.reverseBytes(Float.floatToIntBits(42.5f)));
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.fileSize()).isEqualTo(size).isGreaterThan(1L << 32);
            GgufTensorInfo far = g.tensor("far");
            assertThat(g.dataOffset() + far.offset()).isGreaterThan(Integer.MAX_VALUE);
            assertThat(g.tensorData(far).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 7 * 4)).isEqualTo(42.5f);
            assertThat(g.tensorData(far).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isZero();
            assertThat(g.tensorData(g.tensor("filler")).byteSize()).isEqualTo(filler);
            assertThat(g.tensorData(g.tensor("filler")).get(ValueLayout.JAVA_BYTE, filler - 1)).isZero();
        }
        // One byte short, the far tensor lies outside the file.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size - 1);
        }
        assertThat(TestData.assertRejected(file)).contains("'far'").contains("outside the file");
    }
}
