package dev.caravel.tools.convert;

import dev.caravel.tools.quantize.ModelQuantizer;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.caravel.tools.convert.ConvertTesting.assertSameLogits;
import static dev.caravel.tools.convert.ConvertTesting.assertSameTensors;
import static dev.caravel.tools.convert.ConvertTesting.assertSameVocab;
import static dev.caravel.tools.convert.ConvertTesting.model;
import static org.assertj.core.api.Assertions.assertThat;

/** GGUF → export → convert must give back the model: same tensors, same vocabulary, same logits. */
class RoundTripTest {

    /** Float sources come back bit for bit: every tensor, the vocabulary, and so the logits. */
    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({"random-llama-f32.gguf, F32", "random-llama-f16.gguf, F16", "random-llama-bf16.gguf, BF16",
            "random-qwen2-f32.gguf, F32", "random-gpt2-f32.gguf, F32", "random-chatglm-f32.gguf, F32", "stories260K.gguf, F32"})
    void floatModelsRoundTripExactly(String file, String type, @TempDir Path dir) throws IOException {
        Path source = model(file);
        Path hf = dir.resolve("hf");
        GgufToHf.export(source, hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        assertThat(hf.resolve("config.json")).exists();
        assertThat(hf.resolve("tokenizer.json")).exists();
        assertThat(hf.resolve("tokenizer_config.json")).exists();
        assertThat(hf.resolve("generation_config.json")).exists();
        Path back = dir.resolve("back.gguf");
        HfToGguf.convert(hf, back, QuantType.parse(type), 2, null);
        assertSameTensors(source, back);
        assertSameVocab(source, back);
        assertSameLogits(source, back);
    }

    /** Quantized sources export their dequantized values: converting to F32 equals dequantizing the original. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"random-llama-q8_0.gguf", "random-llama-q4_k_m.gguf", "random-llama-q2_k.gguf", "random-qwen2-q4_k_m.gguf",
            "random-gpt2-q8_0.gguf", "random-chatglm-q4_k_m.gguf"})
    void quantizedModelsComeBackDequantized(String file, @TempDir Path dir) throws IOException {
        Path source = model(file);
        Path dequantized = dir.resolve("dequantized.gguf");
        ModelQuantizer.quantize(source, dequantized, QuantType.F32,
                ModelQuantizer.Options.defaults().withThreads(2).withAllowRequantize(true));
        Path hf = dir.resolve("hf");
        GgufToHf.export(source, hf, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path back = dir.resolve("back.gguf");
        HfToGguf.convert(hf, back, QuantType.F32, 2, null);
        assertSameTensors(dequantized, back);
        assertSameLogits(dequantized, back);
    }

    /** A small shard limit splits the weights and writes the index; convert follows it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"random-llama-f32.gguf"})
    void shardedExportConvertsBack(String file, @TempDir Path dir) throws IOException {
        Path hf = dir.resolve("hf");
        GgufToHf.Result r = GgufToHf.export(model(file), hf, null, 1_000_000, null);
        assertThat(r.shards()).isGreaterThan(1);
        assertThat(hf.resolve("model.safetensors.index.json")).exists();
        assertThat(Files.exists(hf.resolve("model.safetensors"))).isFalse();
        Path back = dir.resolve("back.gguf");
        HfToGguf.convert(hf, back, QuantType.F32, 2, null);
        assertSameTensors(model(file), back);
    }
}
