package dev.caravel.tools.convert;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * stories260K's FFN is 172 wide, which no 32-block type holds: {@code convert --type Q8_0} writes
 * those rows as F16 (convert_hf_to_gguf.py's fallback), while {@code quantize Q8_0} stops, as
 * llama-quantize does.
 */
class ConvertFallbackTest {
    @TempDir
    Path dir;

    @Test
    void q8ConversionOfNarrowRowsFallsBackToF16() throws IOException {
        Path source = ConvertTesting.model("stories260K.gguf");
        Path hf = dir.resolve("hf");
        GgufToHf.export(source, hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path q8 = dir.resolve("q8.gguf");
        HfToGguf.convert(hf, q8, QuantType.Q8_0, 2, null);
        try (GgufFile f = GgufFile.open(q8)) {
            for (GgufTensorInfo t : f.tensors().values()) {
                GgmlType expected = t.dims().length < 2 || t.name().endsWith("_norm.weight") ? GgmlType.F32
                        : t.dims()[0] % 32 != 0 ? GgmlType.F16 : GgmlType.Q8_0;
                assertThat(t.type()).as(t.name() + " " + java.util.Arrays.toString(t.dims())).isEqualTo(expected);
            }
            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(f.tensor("blk.0.ffn_up.weight").type()).isEqualTo(GgmlType.Q8_0);
        }
        float[][] a = ConvertTesting.logits(source, ConvertTesting.PROMPT);
        float[][] b = ConvertTesting.logits(q8, ConvertTesting.PROMPT);
        for (int i = 0; i < a.length; i++) {
            assertThat(BertConvertTest.cosine(a[i], b[i])).as("logits at " + i).isGreaterThan(0.99);
        }
        assertThatThrownBy(() -> ModelQuantizer.quantize(source, dir.resolve("quantized.gguf"), QuantType.Q8_0,
                ModelQuantizer.Options.defaults().withThreads(2)))
                .hasMessageContaining("blk.0.ffn_down.weight").hasMessageContaining("llama-quantize has no fallback");
    }
}
