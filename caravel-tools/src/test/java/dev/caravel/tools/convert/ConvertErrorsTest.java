package dev.caravel.tools.convert;

import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.format.safetensors.SafetensorsFormatException;
import dev.caravel.format.safetensors.SafetensorsWriter;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad input to convert and export is a one-line error naming the file, tensor or architecture. */
class ConvertErrorsTest {
    @TempDir
    Path dir;

    private Path convert(Path hf) throws IOException {
        Path out = dir.resolve("out.gguf");
        HfToGguf.convert(hf, out, QuantType.F32, 1, null);
        return out;
    }

    private Path llama(String name) throws IOException {
        HfFixture f = new HfFixture(dir.resolve(name), "LlamaForCausalLM").llamaBlocks(1, 64, 64, 64, 128, false, false);
        f.config().put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 1)
                .put("num_attention_heads", 4).put("max_position_embeddings", 64).put("rms_norm_eps", 1e-5);
        return f.write(SafetensorsDType.F32, 7);
    }

    @Test
    void unsupportedArchitectureIsNamed() throws IOException {
        Path hf = dir.resolve("foo");
        Files.createDirectories(hf);
        Files.writeString(hf.resolve("config.json"), "{\"architectures\": [\"FooForCausalLM\"]}");
        assertThatThrownBy(() -> convert(hf)).isInstanceOf(ConvertException.class)
                .hasMessageContaining("unsupported architecture 'FooForCausalLM'").hasMessageContaining("LlamaForCausalLM");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> convert(dir.resolve("nowhere"))).hasMessageContaining("not a directory");
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        assertThatThrownBy(() -> convert(empty)).hasMessageContaining("config.json: no such file");
        Path hf = llama("hf");
        Files.delete(hf.resolve("model.safetensors"));
        assertThatThrownBy(() -> convert(hf)).isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("no model.safetensors");
        Path hf2 = llama("hf2");
        Files.delete(hf2.resolve("tokenizer.json"));
        assertThatThrownBy(() -> convert(hf2)).hasMessageContaining("no tokenizer.model or tokenizer.json");
        assertThatThrownBy(() -> GgufToHf.export(dir.resolve("none.gguf"), dir.resolve("x"), null, 1L << 30, null))
                .hasMessageContaining("none.gguf").hasMessageContaining("no such file");
    }

    @Test
    void truncatedWeightsNameTheFile() throws IOException {
        Path hf = llama("hf");
        Path st = hf.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> convert(hf)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("truncated");
        Files.write(st, "garbage!".repeat(10).getBytes());
        assertThatThrownBy(() -> convert(hf)).isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("model.safetensors");
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        Path hf = llama("hf");
        try (SafetensorsWriter w = SafetensorsWriter.create(hf.resolve("model.safetensors"))) {
            w.addTensor("model.embed_tokens.weight", SafetensorsDType.F32, HfFixture.VOCAB, 64);
            w.addTensor("model.layers.0.mystery.weight", SafetensorsDType.F32, 2);
            w.writeTensor("model.embed_tokens.weight", new float[HfFixture.VOCAB * 64]);
            w.writeTensor("model.layers.0.mystery.weight", new float[2]);
        }
        assertThatThrownBy(() -> convert(hf)).isInstanceOf(ConvertException.class)
                .hasMessageContaining("'model.layers.0.mystery.weight'");
    }

    @Test
    void integerWeightsAreRefused() throws IOException {
        Path hf = llama("hf");
        try (SafetensorsWriter w = SafetensorsWriter.create(hf.resolve("model.safetensors"))) {
            w.addTensor("model.embed_tokens.weight", SafetensorsDType.I8, HfFixture.VOCAB, 64);
            w.writeTensor("model.embed_tokens.weight", java.lang.foreign.MemorySegment.ofArray(new byte[HfFixture.VOCAB * 64]));
        }
        assertThatThrownBy(() -> convert(hf)).hasMessageContaining("model.embed_tokens.weight").hasMessageContaining("I8");
    }

    @Test
    void sentencePieceModelParsesAndReserializes() throws IOException {
        Path spm = ConvertTesting.shared().resolve("tokenizers/llama2/tokenizer.model");
        SentencePieceModel m = SentencePieceModel.parse(Files.readAllBytes(spm), spm.toString());
        assertThat(m.pieces()).hasSize(32000);
        assertThat(m.pieces().get(0)).isEqualTo(new SentencePieceModel.Piece("<unk>", 0f, Vocab.UNKNOWN));
        assertThat(m.pieces().get(1).type()).isEqualTo(Vocab.CONTROL);
        assertThat(m.pieces().get(3)).isEqualTo(new SentencePieceModel.Piece("<0x00>", 0f, Vocab.BYTE));
        assertThat(m.modelType()).isEqualTo(2);
        assertThat(m.addDummyPrefix()).isTrue();
        SentencePieceModel again = SentencePieceModel.parse(m.toBytes(), "copy");
        assertThat(again).isEqualTo(m);
        assertThatThrownBy(() -> SentencePieceModel.parse(new byte[]{0x0a, 0x7f}, "bad.model")).isInstanceOf(ConvertException.class)
                .hasMessageContaining("bad.model");
    }
}
