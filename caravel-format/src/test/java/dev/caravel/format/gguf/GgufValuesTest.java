package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One hand-built file per metadata type, in GGUF v2 and v3: writer output, raw bytes and reader agree. */
class GgufValuesTest {
    @TempDir
    Path dir;

    /** Every scalar type at its extremes, every array element type (empty arrays too), nested arrays. */
    static Map<String, GgufValue> everyType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8.max", GgufValue.scalar(GgufValueType.UINT8, 255L));
        m.put("i8.min", GgufValue.scalar(GgufValueType.INT8, -128L));
        m.put("u16.max", GgufValue.scalar(GgufValueType.UINT16, 65535L));
        m.put("i16.min", GgufValue.scalar(GgufValueType.INT16, -32768L));
        m.put("u32.max", GgufValue.scalar(GgufValueType.UINT32, 0xFFFF_FFFFL));
        m.put("i32.min", GgufValue.scalar(GgufValueType.INT32, (long) Integer.MIN_VALUE));
        m.put("u64.max", GgufValue.scalar(GgufValueType.UINT64, -1L));
        m.put("i64.min", GgufValue.scalar(GgufValueType.INT64, Long.MIN_VALUE));
        m.put("f32", GgufValue.scalar(GgufValueType.FLOAT32, (double) 1e-5f));
        m.put("f32.negzero", GgufValue.scalar(GgufValueType.FLOAT32, -0.0));
        m.put("f32.inf", GgufValue.scalar(GgufValueType.FLOAT32, Double.NEGATIVE_INFINITY));
        m.put("f64", GgufValue.scalar(GgufValueType.FLOAT64, Math.PI));
        m.put("bool.true", GgufValue.scalar(GgufValueType.BOOL, true));
        m.put("bool.false", GgufValue.scalar(GgufValueType.BOOL, false));
        m.put("str", GgufValue.scalar(GgufValueType.STRING, "héllo 中文 😀 {{ messages }}\n"));
        m.put("str.empty", GgufValue.scalar(GgufValueType.STRING, ""));
        m.put("a.u8", GgufValue.array(GgufValueType.UINT8, new long[]{0, 1, 255}));
        m.put("a.i8", GgufValue.array(GgufValueType.INT8, new long[]{-128, 0, 127}));
        m.put("a.u16", GgufValue.array(GgufValueType.UINT16, new long[]{0, 65535}));
        m.put("a.i16", GgufValue.array(GgufValueType.INT16, new long[]{-32768, 32767}));
        m.put("a.u32", GgufValue.array(GgufValueType.UINT32, new long[]{0, 0xFFFF_FFFFL}));
        m.put("a.i32", GgufValue.array(GgufValueType.INT32, new long[]{Integer.MIN_VALUE, -1, Integer.MAX_VALUE}));
        m.put("a.u64", GgufValue.array(GgufValueType.UINT64, new long[]{-1L, 0}));
        m.put("a.i64", GgufValue.array(GgufValueType.INT64, new long[]{Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("a.f32", GgufValue.array(GgufValueType.FLOAT32, new double[]{0.5, -2.25, Float.MAX_VALUE}));
        m.put("a.f64", GgufValue.array(GgufValueType.FLOAT64, new double[]{Double.MIN_VALUE, 1e300}));
        m.put("a.bool", GgufValue.array(GgufValueType.BOOL, new boolean[]{true, false, true}));
        m.put("a.str", GgufValue.array(GgufValueType.STRING, new String[]{"<unk>", "", "▁the", "中"}));
        m.put("a.empty", GgufValue.array(GgufValueType.INT32, new long[0]));
        m.put("a.str.empty", GgufValue.array(GgufValueType.STRING, new String[0]));
        m.put("a.nested", GgufValue.array(GgufValueType.ARRAY, new GgufValue[]{
                GgufValue.array(GgufValueType.INT32, new long[]{1, 2}),
                GgufValue.array(GgufValueType.STRING, new String[]{"x", "yz"}),
                GgufValue.array(GgufValueType.ARRAY, new GgufValue[]{GgufValue.array(GgufValueType.BOOL, new boolean[]{true})}),
                GgufValue.array(GgufValueType.FLOAT32, new double[0])}));
        return m;
    }

    @ParameterizedTest(name = "v{0}")
    @ValueSource(ints = {2, 3})
    void everyMetadataTypeRoundTrips(int version) throws IOException {
        Path file = dir.resolve("types-v" + version + ".gguf");
        Map<String, GgufValue> values = everyType();
        try (GgufWriter w = GgufWriter.create(file).version(version)) {
            values.forEach(w::put);
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.version()).isEqualTo(version);
            assertThat(g.metadata().keySet()).containsExactlyElementsOf(values.keySet());
            values.forEach((k, v) -> assertThat(GgufValues.equal(g.metadata().get(k), v)).as(k + ": " + g.metadata().get(k)).isTrue());
            assertThat(g.meta().string("str")).contains("héllo 中文 😀 {{ messages }}\n");
            assertThat(g.meta().boolOr("bool.true", false)).isTrue();
            assertThat(g.meta().requireLong("u32.max")).isEqualTo(4294967295L);
            assertThat(g.metadata().get("f32.negzero").value()).isEqualTo(-0.0);
        }
    }

    /** Each type on its own, in a file assembled by hand from the spec's layout (not by our writer). */
    @ParameterizedTest(name = "v{0}")
    @ValueSource(ints = {2, 3})
    void handAssembledScalarsAndArraysRead(int version) {
        for (GgufValueType type : GgufValueType.values()) {
            RawGguf raw = RawGguf.header(version, 0, 2);
            GgufValue expectScalar;
            GgufValue expectArray;
            switch (type) {
                case UINT8 -> { raw.kv("s", type).u8(200); expectScalar = scalar(type, 200L); raw.array("a", type, 2).u8(1).u8(255); expectArray = GgufValue.array(type, new long[]{1, 255}); }
                case INT8 -> { raw.kv("s", type).u8(0xF0); expectScalar = scalar(type, -16L); raw.array("a", type, 2).u8(0x80).u8(0x7F); expectArray = GgufValue.array(type, new long[]{-128, 127}); }
                case UINT16 -> { raw.kv("s", type).u16(0xFFFE); expectScalar = scalar(type, 65534L); raw.array("a", type, 1).u16(7); expectArray = GgufValue.array(type, new long[]{7}); }
                case INT16 -> { raw.kv("s", type).u16(0xFFFE); expectScalar = scalar(type, -2L); raw.array("a", type, 1).u16(0x8000); expectArray = GgufValue.array(type, new long[]{-32768}); }
                case UINT32 -> { raw.kv("s", type).u32(0xFFFFFFFEL); expectScalar = scalar(type, 4294967294L); raw.array("a", type, 1).u32(3); expectArray = GgufValue.array(type, new long[]{3}); }
                case INT32 -> { raw.kv("s", type).u32(-5); expectScalar = scalar(type, -5L); raw.array("a", type, 2).u32(1).u32(-1); expectArray = GgufValue.array(type, new long[]{1, -1}); }
                case FLOAT32 -> { raw.kv("s", type).f32(1.5f); expectScalar = scalar(type, 1.5); raw.array("a", type, 1).f32(-0.25f); expectArray = GgufValue.array(type, new double[]{-0.25}); }
                case BOOL -> { raw.kv("s", type).u8(1); expectScalar = scalar(type, true); raw.array("a", type, 2).u8(0).u8(1); expectArray = GgufValue.array(type, new boolean[]{false, true}); }
                case STRING -> { raw.kv("s", type).str("llama"); expectScalar = scalar(type, "llama"); raw.array("a", type, 2).str("a").str(""); expectArray = GgufValue.array(type, new String[]{"a", ""}); }
                case ARRAY -> {
                    // gguf-py's nested layout: each element is element type, count, elements (no leading value type).
                    raw.array("s", GgufValueType.ARRAY, 2).u32(GgufValueType.UINT8.id()).u64(1).u8(9).u32(GgufValueType.STRING.id()).u64(1).str("q");
                    expectScalar = GgufValue.array(type, new GgufValue[]{GgufValue.array(GgufValueType.UINT8, new long[]{9}), GgufValue.array(GgufValueType.STRING, new String[]{"q"})});
                    raw.array("a", GgufValueType.ARRAY, 0);
                    expectArray = GgufValue.array(type, new GgufValue[0]);
                }
                case UINT64 -> { raw.kv("s", type).u64(-2L); expectScalar = scalar(type, -2L); raw.array("a", type, 1).u64(Long.MAX_VALUE); expectArray = GgufValue.array(type, new long[]{Long.MAX_VALUE}); }
                case INT64 -> { raw.kv("s", type).u64(-2L); expectScalar = scalar(type, -2L); raw.array("a", type, 1).u64(Long.MIN_VALUE); expectArray = GgufValue.array(type, new long[]{Long.MIN_VALUE}); }
                case FLOAT64 -> { raw.kv("s", type).f64(-1e-300); expectScalar = scalar(type, -1e-300); raw.array("a", type, 1).f64(2.5); expectArray = GgufValue.array(type, new double[]{2.5}); }
                default -> throw new AssertionError(type);
            }
            Path file = raw.write(dir.resolve("raw-" + type + "-v" + version + ".gguf"));
            try (GgufFile g = GgufFile.open(file)) {
                assertThat(g.version()).isEqualTo(version);
                assertThat(GgufValues.equal(g.metadata().get("s"), expectScalar)).as(type + " scalar " + g.metadata().get("s")).isTrue();
                assertThat(GgufValues.equal(g.metadata().get("a"), expectArray)).as(type + " array " + g.metadata().get("a")).isTrue();
                assertThat(g.dataOffset()).isEqualTo(GgufFile.alignUp(raw.size(), 32));
            }
        }
    }

    /** The writer's bytes equal a file assembled field by field from the spec. */
    @ParameterizedTest(name = "v{0}")
    @ValueSource(ints = {2, 3})
    void writerMatchesTheSpecLayout(int version) throws IOException {
        RawGguf raw = RawGguf.header(version, 2, 3)
                .kv("general.architecture", GgufValueType.STRING).str("llama")
                .kv("general.alignment", GgufValueType.UINT32).u32(64)
                .array("tokenizer.ggml.tokens", GgufValueType.STRING, 2).str("<s>").str("▁a")
                .tensor("a", GgmlType.F32.id(), 0, 3)
                .tensor("b", GgmlType.Q8_0.id(), 64, 32, 2)
                .pad(64);
        raw.f32(1).f32(2).f32(3).pad(64).zeros(68).pad(64);
        Path expected = raw.write(dir.resolve("expected.gguf"));

        Path actual = dir.resolve("actual.gguf");
        try (GgufWriter w = GgufWriter.create(actual).version(version)) {
            w.putString("general.architecture", "llama").putUInt32("general.alignment", 64)
                    .putStringArray("tokenizer.ggml.tokens", List.of("<s>", "▁a"));
            w.addTensor("a", GgmlType.F32, 3);
            assertThat(w.addTensor("b", GgmlType.Q8_0, 32, 2).offset()).isEqualTo(64);
            w.writeTensor("b", new byte[68]);
            w.writeTensor("a", new float[]{1, 2, 3});
        }
        assertThat(Files.mismatch(expected, actual)).isEqualTo(-1L);
        try (GgufFile g = GgufFile.open(actual)) {
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.dataOffset() % 64).isZero();
            assertThat(g.tensor("b").offset()).isEqualTo(64);
            assertThat(g.tensorData(g.tensor("a")).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(1, 2, 3);
        }
    }

    private static GgufValue scalar(GgufValueType type, Object v) {
        return GgufValue.scalar(type, v);
    }
}
