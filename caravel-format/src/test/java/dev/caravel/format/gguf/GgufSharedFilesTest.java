package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads every real GGUF file of the shared data (written by llama.cpp and gguf-py) and writes it back. */
class GgufSharedFilesTest {

    static List<Path> files() {
        return TestData.allGgufFiles();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void readsStructureOfEveryFile(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.alignment()).isEqualTo(32);
            assertThat(g.dataOffset() % 32).isZero();
            GgufMetadata meta = g.meta();
            String arch = meta.architecture();
            assertThat(arch).isNotBlank();
            String[] tokens = meta.stringArray("tokenizer.ggml.tokens").orElseThrow();
            assertThat(tokens.length).isGreaterThan(100);
            long lastEnd = g.dataOffset();
            for (GgufTensorInfo t : g.tensors().values()) {
                assertThat(t.offset() % g.alignment()).isZero();
                MemorySegment data = g.tensorData(t);
                assertThat(data.byteSize()).isEqualTo(t.byteSize());
                // Touch the first and last byte: the slice really is inside the mapping.
                if (data.byteSize() > 0) {
                    data.get(ValueLayout.JAVA_BYTE, 0);
                    data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                }
                lastEnd = Math.max(lastEnd, g.dataOffset() + t.offset() + t.byteSize());
            }
            if (g.tensors().isEmpty()) {
                assertThat(file.toString()).contains("vocab");
            } else {
                // llama.cpp pads the last tensor too, so the file ends at an aligned data end.
                assertThat(g.fileSize()).isEqualTo(GgufFile.alignUp(lastEnd, 32));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void rewritesEveryFileByteForByte(Path file, @TempDir Path dir) throws IOException {
        Path copy = dir.resolve(file.getFileName());
        try (GgufFile g = GgufFile.open(file)) {
            GgufWriter.copy(g, copy);
        }
        assertThat(Files.mismatch(file, copy)).as("first differing byte").isEqualTo(-1L);
    }

    @Test
    void stories260KIsTheKnownLlama() {
        try (GgufFile g = GgufFile.open(TestData.model("stories260K.gguf"))) {
            GgufMetadata m = g.meta();
            assertThat(m.architecture()).isEqualTo("llama");
            assertThat(m.requireLong("llama.embedding_length")).isEqualTo(64);
            assertThat(m.requireLong("llama.block_count")).isEqualTo(5);
            assertThat(m.requireLong("llama.attention.head_count")).isEqualTo(8);
            assertThat(m.requireLong("llama.attention.head_count_kv")).isEqualTo(4);
            assertThat(m.get("llama.block_count").type()).isEqualTo(GgufValueType.UINT32);
            assertThat(m.get("tokenizer.ggml.seperator_token_id").value()).isEqualTo(0xFFFF_FFFFL);
            assertThat(m.floatOr("llama.attention.layer_norm_rms_epsilon", 0)).isEqualTo(1e-5f);
            String[] tokens = m.stringArray("tokenizer.ggml.tokens").orElseThrow();
            assertThat(tokens).hasSize(512);
            assertThat(tokens[0]).isEqualTo("<unk>");
            assertThat(tokens[3]).isEqualTo("<0x00>");
            assertThat(m.intArray("tokenizer.ggml.token_type").orElseThrow()).hasSize(512);
            assertThat(m.get("tokenizer.ggml.token_type").elementType()).isEqualTo(GgufValueType.INT32);
            assertThat(m.floatArray("tokenizer.ggml.scores").orElseThrow()).hasSize(512);

            assertThat(g.tensors()).hasSize(48); // embeddings, output norm, output, 5 layers × 9
            GgufTensorInfo emb = g.tensor("token_embd.weight");
            assertThat(emb.dims()).containsExactly(64, 512);
            assertThat(emb.type()).isEqualTo(GgmlType.F32);
            assertThat(emb.offset()).isZero();
            assertThat(g.tensor("blk.4.attn_k.weight").dims()).containsExactly(64, 32); // 4 KV heads × 8
            assertThat(g.tensor("blk.0.ffn_up.weight").dims()).containsExactly(64, 172);
            assertThat(g.tensorList()).allMatch(t -> t.type() == GgmlType.F32);
            // The first embedding value, read through the mapping, is a sane float.
            float first = g.tensorData(emb).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
            assertThat(first).isFinite().isBetween(-10f, 10f);
        }
    }

    @Test
    void quantizedFilesCarryTheirTypes() {
        assertThat(typeCounts("random-llama-q4_k_m.gguf")).isEqualTo(Map.of("F32", 5, "Q4_K", 13, "Q6_K", 3));
        assertThat(typeCounts("random-llama-q8_0.gguf")).containsKey("Q8_0").doesNotContainKey("Q4_K");
        assertThat(typeCounts("random-llama-q4_0.gguf")).containsKey("Q4_0");
        assertThat(typeCounts("random-llama-q2_k.gguf")).containsKey("Q2_K");
        assertThat(typeCounts("random-llama-f16.gguf")).containsKey("F16");
        assertThat(typeCounts("random-llama-bf16.gguf")).containsKey("BF16");
        try (GgufFile g = GgufFile.open(TestData.model("random-llama-q4_k_m.gguf"))) {
            assertThat(g.meta().requireLong("llama.embedding_length")).isEqualTo(256);
            assertThat(g.meta().requireLong("general.file_type")).isEqualTo(15); // MOSTLY_Q4_K_M
            assertThat(g.tensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(g.tensor("output.weight").byteSize()).isEqualTo(512L * 256 / 256 * 210);
        }
        try (GgufFile g = GgufFile.open(TestData.model("random-chatglm-f32.gguf"))) {
            assertThat(g.meta().architecture()).isEqualTo("chatglm");
        }
    }

    @Test
    void vocabOnlyFilesHaveNoTensorsAndNoPadding() {
        Path bert = TestData.shared().resolve("reference/tokenizer/ggml-vocab-bert-bge.gguf");
        try (GgufFile g = GgufFile.open(bert)) {
            assertThat(g.tensors()).isEmpty();
            assertThat(g.meta().architecture()).isEqualTo("bert");
            assertThat(g.meta().stringArray("tokenizer.ggml.tokens").orElseThrow()).hasSize(30522).contains("[CLS]", "[SEP]");
            assertThat(g.meta().boolOr("bert.attention.causal", true)).isFalse();
            // gguf-py ends the file right after the header; the data section would start past the end.
            assertThat(g.fileSize()).isLessThan(g.dataOffset());
        }
    }

    private static Map<String, Integer> typeCounts(String model) {
        try (GgufFile g = GgufFile.open(TestData.model(model))) {
            Map<String, Integer> counts = new TreeMap<>();
            g.tensors().values().forEach(t -> counts.merge(t.type().name(), 1, Integer::sum));
            return counts;
        }
    }
}
