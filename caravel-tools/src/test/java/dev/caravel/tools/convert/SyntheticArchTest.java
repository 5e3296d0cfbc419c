package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.safetensors.SafetensorsCheckpoint;
import dev.caravel.format.safetensors.SafetensorsDType;
import dev.caravel.model.ModelConfig;
import dev.caravel.tools.quantize.QuantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.caravel.tools.convert.ConvertTesting.PROMPT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Architectures without a shared GGUF: a small random Hugging Face checkpoint converts, loads and
 * runs in Caravel, and export → convert gives back the same GGUF tensors and logits bit for bit.
 */
class SyntheticArchTest {
    static final int DIM = 64;
    static final int HEADS = 4;
    static final int KV = 2;
    static final int FFN = 128;
    static final int LAYERS = 2;

    @TempDir
    Path dir;

    private static void common(ObjectNode c) {
        c.put("hidden_size", DIM).put("intermediate_size", FFN).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", KV).put("max_position_embeddings", 256)
                .put("rms_norm_eps", 1e-6).put("rope_theta", 10000.0);
    }

    /** Converts to F32, runs the prompt, round-trips through export; returns the converted file. */
    private Path check(Path hf, String arch, int headDim) throws IOException {
        Path gguf = dir.resolve("model.gguf");
        HfToGguf.convert(hf, gguf, QuantType.F32, 2, null);
        // CARAVEL_CONVERT_KEEP=DIR keeps an F16 conversion of each checkpoint, e.g. to try it in llama.cpp.
        String keep = System.getenv("CARAVEL_CONVERT_KEEP");
        if (keep != null) {
            HfToGguf.convert(hf, Path.of(keep, arch + "-" + hf.getParent().getFileName() + ".gguf"), QuantType.F16, 2, null);
        }
        ModelConfig c = ConvertTesting.config(gguf);
        assertThat(c.architecture()).isEqualTo(arch);
        assertThat(c.dim()).isEqualTo(DIM);
        assertThat(c.heads()).isEqualTo(HEADS);
        assertThat(c.kvHeads()).isEqualTo(KV);
        assertThat(c.headDim()).isEqualTo(headDim);
        assertThat(c.vocabSize()).isEqualTo(HfFixture.VOCAB);
        float[][] logits = ConvertTesting.logits(gguf, PROMPT);
        for (float[] row : logits) {
            for (float x : row) {
                assertThat(Float.isFinite(x)).isTrue();
            }
        }
        try (GgufFile f = GgufFile.open(gguf)) {
            Vocab v = Vocab.fromGguf(f.meta());
            assertThat(v.model()).isEqualTo("gpt2");
            assertThat(v.pre()).isEqualTo("qwen2");
            assertThat(v.tokens().get(1000)).isEqualTo("<|endoftext|>");
            assertThat(v.types()[1000]).isEqualTo(Vocab.CONTROL);
            assertThat(v.tokens().get(1023)).isEqualTo("[PAD1023]");
            assertThat(v.merges()).isNotEmpty();
            assertThat(v.chatTemplate()).contains("<|im_start|>");
        }
        Path hf2 = dir.resolve("exported");
        GgufToHf.export(gguf, hf2, null, GgufToHf.DEFAULT_SHARD_BYTES, null);
        Path back = dir.resolve("back.gguf");
        HfToGguf.convert(hf2, back, QuantType.F32, 2, null);
        ConvertTesting.assertSameTensors(gguf, back);
        ConvertTesting.assertSameVocab(gguf, back);
        ConvertTesting.assertSameLogits(gguf, back);
        // A quantized conversion goes through llama-quantize's rules and still runs.
        Path q = dir.resolve("q.gguf");
        HfToGguf.convert(hf, q, QuantType.Q4_K_M, 2, null);
        assertThat(ConvertTesting.logits(q, PROMPT)[PROMPT.length - 1]).hasSize(HfFixture.VOCAB);
        return gguf;
    }

    @Test
    void mistralConvertsToLlamaWithPermutedQueryRows() throws IOException {
        HfFixture f = new HfFixture(dir.resolve("hf"), "MistralForCausalLM").llamaBlocks(LAYERS, DIM, DIM, KV * 16, FFN, false, false)
                .tensor("lm_head.weight", HfFixture.VOCAB, DIM);
        common(f.config());
        f.config().put("sliding_window", 4096);
        Path hf = f.write(SafetensorsDType.BF16, 1);
        Path gguf = check(hf, "llama", 16);
        // GGUF row 2i+j of a head is HF row j*hd/2+i: row 1 of head 0 is HF row 8.
        try (GgufFile g = GgufFile.open(gguf); SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(hf)) {
            float[] ggufRow = new float[DIM];
            FloatRows.of(g, g.tensor("blk.0.attn_q.weight")).read(1, 1, ggufRow, 0);
            float[] hfRow = new float[DIM];
            FloatRows.of(ck.get("model.layers.0.self_attn.q_proj.weight")).read(8, 1, hfRow, 0);
            assertThat(ggufRow).containsExactly(hfRow);
            FloatRows.of(g, g.tensor("blk.0.attn_k.weight")).read(3, 1, ggufRow, 0);
            FloatRows.of(ck.get("model.layers.0.self_attn.k_proj.weight")).read(9, 1, hfRow, 0);
            assertThat(ggufRow).containsExactly(hfRow);
        }
    }

    @Test
    void qwen3WithExplicitHeadDim() throws IOException {
        int hd = 32;
        HfFixture f = new HfFixture(dir.resolve("hf"), "Qwen3ForCausalLM").llamaBlocks(LAYERS, DIM, HEADS * hd, KV * hd, FFN, false, false);
        for (int l = 0; l < LAYERS; l++) {
            f.tensor("model.layers." + l + ".self_attn.q_norm.weight", hd).tensor("model.layers." + l + ".self_attn.k_norm.weight", hd);
        }
        common(f.config());
        f.config().put("head_dim", hd).put("tie_word_embeddings", true);
        check(f.write(SafetensorsDType.F16, 2), "qwen3", hd);
    }

    @Test
    void glm4WithFusedGateUpAndPostNorms() throws IOException {
        HfFixture f = new HfFixture(dir.resolve("hf"), "Glm4ForCausalLM").llamaBlocks(LAYERS, DIM, DIM, KV * 16, FFN, true, true)
                .tensor("lm_head.weight", HfFixture.VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            f.tensor("model.layers." + l + ".post_self_attn_layernorm.weight", DIM)
                    .tensor("model.layers." + l + ".post_mlp_layernorm.weight", DIM);
        }
        common(f.config());
        f.config().put("head_dim", 16).put("partial_rotary_factor", 0.5);
        Path gguf = check(f.write(SafetensorsDType.BF16, 3), "glm4", 16);
        assertThat(ConvertTesting.config(gguf).ropeDim()).isEqualTo(8);
    }

    @Test
    void gemmaStoresNormsPlusOne() throws IOException {
        int hd = 32;
        HfFixture f = new HfFixture(dir.resolve("hf"), "GemmaForCausalLM").llamaBlocks(LAYERS, DIM, HEADS * hd, KV * hd, FFN, false, false);
        f.range("model.norm.weight", -0.5f, 1f);
        for (int l = 0; l < LAYERS; l++) {
            f.range("model.layers." + l + ".input_layernorm.weight", -0.5f, 1f)
                    .range("model.layers." + l + ".post_attention_layernorm.weight", -0.5f, 1f);
        }
        common(f.config());
        f.config().put("head_dim", hd);
        Path hf = f.write(SafetensorsDType.F32, 4);
        Path gguf = check(hf, "gemma", hd);
        try (GgufFile g = GgufFile.open(gguf); SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(hf)) {
            float[] a = new float[DIM];
            float[] b = new float[DIM];
            FloatRows.of(g, g.tensor("output_norm.weight")).read(0, 1, a, 0);
            FloatRows.of(ck.get("model.norm.weight")).read(0, 1, b, 0);
            for (int i = 0; i < DIM; i++) {
                assertThat(a[i]).isEqualTo(b[i] + 1f);
            }
        }
    }

    @Test
    void phi3KeepsFusedProjections() throws IOException {
        HfFixture f = new HfFixture(dir.resolve("hf"), "Phi3ForCausalLM");
        f.tensor("model.embed_tokens.weight", HfFixture.VOCAB, DIM).tensor("model.norm.weight", DIM).tensor("lm_head.weight", HfFixture.VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            f.tensor(p + "input_layernorm.weight", DIM).tensor(p + "self_attn.qkv_proj.weight", DIM + 2 * KV * 16, DIM)
                    .tensor(p + "self_attn.o_proj.weight", DIM, DIM).tensor(p + "post_attention_layernorm.weight", DIM)
                    .tensor(p + "mlp.gate_up_proj.weight", 2 * FFN, DIM).tensor(p + "mlp.down_proj.weight", DIM, FFN);
        }
        common(f.config());
        f.config().put("sliding_window", 2047);
        check(f.write(SafetensorsDType.BF16, 5), "phi3", 16);
    }
}
