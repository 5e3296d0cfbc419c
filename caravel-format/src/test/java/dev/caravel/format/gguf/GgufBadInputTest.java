package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Each kind of malformed file is a one-line GgufFormatException naming the file and the problem. */
class GgufBadInputTest {
    @TempDir
    Path dir;

    private static final long MAX = Long.MAX_VALUE;

    /** A valid file with one UINT32 key and one 4-float tensor; {@code tensor} lets a case replace the tensor info. */
    private static RawGguf withTensor(Supplier<RawGguf> header, TensorInfo tensor) {
        RawGguf raw = header.get();
        raw.tensor(tensor.name, tensor.type, tensor.offset, tensor.dims).pad(32);
        return raw.f32(1).f32(2).f32(3).f32(4).pad(32);
    }

    private record TensorInfo(String name, int type, long offset, long... dims) {
    }

    private static RawGguf oneKey() {
        return RawGguf.header(3, 1, 1).kv("general.architecture", GgufValueType.STRING).str("llama");
    }

    private static Map<String, Object[]> cases() {
        Map<String, Object[]> c = new LinkedHashMap<>();
        c.put("empty", new Object[]{new RawGguf(), "only 0 bytes"});
        c.put("bad-magic", new Object[]{new RawGguf().bytes("GGML".getBytes()).u32(3).u64(0).u64(0), "bad magic"});
        c.put("v1", new Object[]{RawGguf.header(1, 0, 0), "version 1"});
        c.put("v4", new Object[]{RawGguf.header(4, 0, 0), "unsupported GGUF version 4"});
        c.put("v0", new Object[]{RawGguf.header(0, 0, 0), "unsupported GGUF version 0"});
        c.put("big-endian", new Object[]{RawGguf.header(0x03000000, 0, 0), "big-endian"});
        c.put("tensor-count-max", new Object[]{RawGguf.header(3, -1, 0), "absurd tensor count"});
        c.put("tensor-count-huge", new Object[]{RawGguf.header(3, MAX, 0), "absurd tensor count"});
        c.put("kv-count-huge", new Object[]{RawGguf.header(3, 0, 1L << 40), "absurd metadata count"});
        c.put("kv-count-lies", new Object[]{RawGguf.header(3, 0, 2).kv("a", GgufValueType.UINT8).u8(1).kv("b", GgufValueType.UINT32).u16(0), "truncated at byte 51"});
        c.put("key-length-huge", new Object[]{RawGguf.header(3, 0, 1).u64(Long.MIN_VALUE).u32(0).u8(0).u8(0), "absurd length"});
        c.put("key-empty", new Object[]{RawGguf.header(3, 0, 1).kv("", GgufValueType.UINT8).u8(1).u8(0), "is empty"});
        c.put("key-too-long", new Object[]{RawGguf.header(3, 0, 1).kv("k".repeat(70000), GgufValueType.UINT8).u8(1), "limit 65535"});
        c.put("value-type-unknown", new Object[]{RawGguf.header(3, 0, 1).str("k").u32(13).u32(0), "unknown value type 13"});
        c.put("value-type-negative", new Object[]{RawGguf.header(3, 0, 1).str("k").u32(-1).u32(0), "unknown value type 4294967295"});
        c.put("element-type-unknown", new Object[]{RawGguf.header(3, 0, 1).str("k").u32(9).u32(77).u64(0), "unknown array element type 77"});
        c.put("string-length-lies", new Object[]{RawGguf.header(3, 0, 1).kv("k", GgufValueType.STRING).u64(1000).str("x"), "absurd length 1000"});
        c.put("array-count-huge", new Object[]{RawGguf.header(3, 0, 1).array("k", GgufValueType.UINT64, 0x7FFF_FFFF_FFFF_FFFFL).u64(1), "absurd element count"});
        c.put("array-count-negative", new Object[]{RawGguf.header(3, 0, 1).array("k", GgufValueType.STRING, Long.MIN_VALUE).str("a"), "absurd element count"});
        c.put("array-truncated", new Object[]{RawGguf.header(3, 0, 1).array("k", GgufValueType.INT32, 3).u32(1).u32(2), "absurd element count"});
        RawGguf deep = RawGguf.header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id());
        for (int i = 0; i < 20; i++) {
            deep.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        c.put("nesting-too-deep", new Object[]{deep.u32(0).u64(0), "nests arrays"});
        c.put("bool-2", new Object[]{RawGguf.header(3, 0, 1).kv("b", GgufValueType.BOOL).u8(2), "invalid boolean 2"});
        c.put("duplicate-key", new Object[]{RawGguf.header(3, 0, 2).kv("a", GgufValueType.UINT8).u8(1).kv("a", GgufValueType.UINT8).u8(2), "duplicate metadata key 'a'"});
        c.put("alignment-3", new Object[]{RawGguf.header(3, 0, 1).kv("general.alignment", GgufValueType.UINT32).u32(3), "general.alignment"});
        c.put("alignment-0", new Object[]{RawGguf.header(3, 0, 1).kv("general.alignment", GgufValueType.UINT32).u32(0), "general.alignment"});
        c.put("alignment-string", new Object[]{RawGguf.header(3, 0, 1).kv("general.alignment", GgufValueType.STRING).str("32"), "general.alignment"});
        c.put("dims-5", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, 1, 1, 1, 1, 4)), "5 dimensions"});
        c.put("dims-negative-count", new Object[]{oneKey().str("t").u32(-1).u64(4), "4294967295 dimensions"});
        c.put("dim-negative", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, -4)), "absurd dimension"});
        c.put("dims-overflow", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, 1L << 32, 1L << 32)), "overflows 64 bits"});
        c.put("bytes-overflow", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, 1L << 31, 1L << 31)), "overflows 64 bits"});
        c.put("dims-huge", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, 1L << 40)), "lies outside the file"});
        c.put("type-unknown", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 4, 0, 4)), "unknown tensor type id 4"});
        c.put("type-huge", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", -1, 0, 4)), "unknown tensor type id 4294967295"});
        c.put("block-size", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", GgmlType.Q8_0.id(), 0, 4)), "not a multiple of the Q8_0 block size"});
        c.put("offset-misaligned", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 4, 2)), "not a multiple of the alignment"});
        c.put("offset-negative", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, Long.MIN_VALUE, 2)), "not a multiple of the alignment"});
        c.put("offset-outside", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 1L << 40, 2)), "lies outside the file"});
        c.put("tensor-too-big", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("t", 0, 0, 9)), "lies outside the file"});
        c.put("tensor-name-newline", new Object[]{withTensor(GgufBadInputTest::oneKey, new TensorInfo("evil\nname", 77, 0, 4)), "'evil\\u000aname'"});
        RawGguf dup = RawGguf.header(3, 2, 0).tensor("t", 0, 0, 4).tensor("t", 0, 0, 4).pad(32).zeros(32);
        c.put("duplicate-tensor", new Object[]{dup, "duplicate tensor 't'"});
        c.put("no-data-section", new Object[]{oneKey().tensor("t", 0, 0, 4), "lies outside the file"});
        return c;
    }

    @Test
    void everyMalformedFileIsAOneLineErrorNamingFileAndProblem() {
        cases().forEach((name, c) -> {
            Path file = ((RawGguf) c[0]).write(dir.resolve(name + ".gguf"));
            String message = TestData.assertRejected(file);
            assertThat(message).as(name).contains((String) c[1]);
        });
    }

    @Test
    void unreadableInputsAreFormatErrorsToo() throws IOException {
        Path missing = dir.resolve("missing.gguf");
        assertThat(TestData.assertRejected(missing)).contains("no such file");
        Path folder = Files.createDirectory(dir.resolve("folder.gguf"));
        assertThat(TestData.assertRejected(folder)).contains("directory");
        Path tiny = Files.write(dir.resolve("tiny.gguf"), new byte[]{'G', 'G'});
        assertThat(TestData.assertRejected(tiny)).contains("not a GGUF file");
    }

    @Test
    void wrongMetadataTypesAreNamedOnOneLine() throws IOException {
        Path file = dir.resolve("typed.gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            w.putString("general.architecture", "multi\nline").putUInt32("n", 7);
        }
        try (GgufFile g = GgufFile.open(file)) {
            GgufMetadata m = g.meta();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.requireLong("general.architecture"))
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("typed.gguf").hasMessageNotContaining("\n");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.requireInt("n", 0, 5))
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("out of range");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.requireString("missing"))
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("'missing' is missing");
        }
    }

    @Test
    void acceptsWhatLlamaCppAccepts() throws IOException {
        // 0 dimensions (a scalar), a zero-sized dimension, a tensor-less file that ends before its data section.
        Path file = RawGguf.header(3, 2, 0).tensor("scalar", 0, 0).tensor("empty", 0, 32, 0, 5).pad(32).f32(7).pad(32)
                .write(dir.resolve("edge.gguf"));
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.tensor("scalar").dims()).isEmpty();
            assertThat(g.tensor("scalar").byteSize()).isEqualTo(4);
            assertThat(g.tensorData(g.tensor("scalar")).get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isEqualTo(7f);
            assertThat(g.tensorData(g.tensor("empty")).byteSize()).isZero();
        }
        Path vocab = RawGguf.header(3, 0, 1).kv("a", GgufValueType.UINT8).u8(1).write(dir.resolve("vocab.gguf"));
        try (GgufFile g = GgufFile.open(vocab)) {
            assertThat(g.tensors()).isEmpty();
            assertThat(g.dataOffset()).isGreaterThan(g.fileSize());
        }
    }
}
