package dev.caravel.tools.quantize;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static dev.caravel.tensor.GgmlType.F16;
import static dev.caravel.tensor.GgmlType.F32;
import static dev.caravel.tensor.GgmlType.Q4_0;
import static dev.caravel.tensor.GgmlType.Q4_K;
import static dev.caravel.tensor.GgmlType.Q5_K;
import static dev.caravel.tensor.GgmlType.Q6_K;
import static dev.caravel.tensor.GgmlType.Q8_0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorTypeRulesTest {

    private static List<String> llamaNames(int layers, boolean output) {
        List<String> names = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight"));
        if (output) {
            names.add("output.weight");
        }
        for (int i = 0; i < layers; i++) {
            for (String t : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")) {
                names.add("blk." + i + "." + t + ".weight");
            }
        }
        names.sort(TensorTypeRules.LLAMA_ORDER);
        return names;
    }

    /** Types of one tensor kind per layer, running the rules over the whole model in llama.cpp's order. */
    private static List<GgmlType> perLayer(QuantType type, ModelParams params, int cols, String kind) {
        List<String> names = llamaNames(params.layers(), true);
        TensorTypeRules rules = new TensorTypeRules(type, params, names);
        List<GgmlType> out = new ArrayList<>();
        for (String n : names) {
            long[] dims = n.endsWith("_norm.weight") ? new long[]{cols} : new long[]{cols, cols};
            GgmlType t = rules.typeFor(n, dims, F32);
            if (n.endsWith("." + kind + ".weight")) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void orderIsLlamaCppsLoaderOrder() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "output.weight", "blk.2.ffn_up.weight",
                "blk.2.attn_k.weight", "token_embd.weight", "output_norm.weight", "rope_freqs.weight"));
        names.sort(TensorTypeRules.LLAMA_ORDER);
        assertThat(names).containsExactly("output.weight", "output_norm.weight", "rope_freqs.weight", "token_embd.weight",
                "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight");
    }

    @Test
    void useMoreBitsPicksFirstLastAndEveryThirdLayer() {
        List<Integer> picked = IntStream.range(0, 24).filter(i -> TensorTypeRules.useMoreBits(i, 24)).boxed().toList();
        assertThat(picked).containsExactly(0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23);
    }

    @Test
    void q4KmGivesAttnVAndFfnDownSixBitsOnTheChosenLayers() {
        ModelParams p = new ModelParams("qwen2", 24, 14, 2, 0);
        List<GgmlType> v = perLayer(QuantType.Q4_K_M, p, 256, "attn_v");
        List<GgmlType> down = perLayer(QuantType.Q4_K_M, p, 256, "ffn_down");
        for (int i = 0; i < 24; i++) {
            GgmlType expected = TensorTypeRules.useMoreBits(i, 24) ? Q6_K : Q4_K;
            assertThat(v.get(i)).as("attn_v %d", i).isEqualTo(expected);
            assertThat(down.get(i)).as("ffn_down %d", i).isEqualTo(expected);
        }
        assertThat(perLayer(QuantType.Q4_K_M, p, 256, "attn_q")).containsOnly(Q4_K);
    }

    @Test
    void q3KmAndQ2KMixes() {
        ModelParams p = new ModelParams("llama", 16, 32, 8, 0);
        List<GgmlType> v = perLayer(QuantType.Q3_K_M, p, 256, "attn_v");
        assertThat(v.subList(0, 2)).containsOnly(Q5_K);
        assertThat(v.subList(2, 16)).containsOnly(Q4_K);
        List<GgmlType> down = perLayer(QuantType.Q3_K_M, p, 256, "ffn_down");
        assertThat(down.getFirst()).isEqualTo(Q5_K); // layer < 16/16
        assertThat(down.subList(1, 16)).containsOnly(Q4_K);
        // Q2_K: attn_v gets Q4_K when 4+ query heads share a KV head
        assertThat(perLayer(QuantType.Q2_K, p, 256, "attn_v")).containsOnly(Q4_K);
        assertThat(perLayer(QuantType.Q2_K, new ModelParams("llama", 16, 32, 16, 0), 256, "attn_v")).containsOnly(GgmlType.Q3_K);
    }

    @Test
    void seventyBGetsFiveBitValues() {
        assertThat(perLayer(QuantType.Q4_K_M, new ModelParams("llama", 80, 64, 8, 0), 256, "attn_v"))
                .containsOnly(Q5_K, Q6_K);
    }

    @Test
    void outputAndTiedEmbeddings() {
        ModelParams p = new ModelParams("llama", 1, 4, 4, 0);
        TensorTypeRules untied = new TensorTypeRules(QuantType.Q4_0, p, llamaNames(1, true));
        assertThat(untied.typeFor("output.weight", new long[]{256, 100}, F32)).isEqualTo(Q6_K);
        assertThat(untied.typeFor("token_embd.weight", new long[]{256, 100}, F32)).isEqualTo(Q4_0);
        TensorTypeRules tied = new TensorTypeRules(QuantType.Q4_0, p, llamaNames(1, false));
        assertThat(tied.typeFor("token_embd.weight", new long[]{256, 100}, F32)).isEqualTo(Q6_K);
        // 576-wide rows do not fit the target's 256-blocks: the output rule itself picks Q8_0 (no fallback)
        TensorTypeRules narrow = new TensorTypeRules(QuantType.Q4_K_M, p, llamaNames(1, false));
        assertThat(narrow.typeFor("token_embd.weight", new long[]{576, 100}, F32)).isEqualTo(Q8_0);
        assertThat(narrow.fallbacks()).isZero();
        // Q8_0 keeps Q8_0; float targets apply no rule at all
        assertThat(new TensorTypeRules(QuantType.Q8_0, p, llamaNames(1, true)).typeFor("output.weight", new long[]{256, 8}, F32)).isEqualTo(Q8_0);
        assertThat(new TensorTypeRules(QuantType.F16, p, llamaNames(1, true)).typeFor("output.weight", new long[]{256, 8}, F32)).isEqualTo(F16);
    }

    @Test
    void fallbacksForRowsThatAreNotMultiplesOf256() {
        ModelParams p = new ModelParams("llama", 1, 4, 4, 0);
        long[] dims = {576, 576};
        assertThat(new TensorTypeRules(QuantType.Q4_K_M, p, List.of()).typeFor("blk.0.attn_q.weight", dims, F32)).isEqualTo(GgmlType.Q5_0);
        assertThat(new TensorTypeRules(QuantType.Q5_K_M, p, List.of()).typeFor("blk.0.attn_q.weight", dims, F32)).isEqualTo(GgmlType.Q5_1);
        assertThat(new TensorTypeRules(QuantType.Q6_K, p, List.of()).typeFor("blk.0.attn_q.weight", dims, F32)).isEqualTo(Q8_0);
        assertThat(new TensorTypeRules(QuantType.Q3_K_S, p, List.of()).typeFor("blk.0.attn_q.weight", dims, F32)).isEqualTo(Q4_0);
        assertThat(new TensorTypeRules(QuantType.Q4_K_S, p, List.of()).typeFor("blk.0.attn_q.weight", new long[]{40, 2}, F32)).isEqualTo(F16);
        assertThatThrownBy(() -> new TensorTypeRules(QuantType.Q4_0, p, List.of()).typeFor("blk.0.attn_q.weight", new long[]{40, 2}, F32))
                .hasMessageContaining("multiple of 32");
    }

    /**
     * llama-quantize stops on a 32-block type that does not fit ("no tensor type fallback is defined");
     * convert_hf_to_gguf.py writes the tensor as F16 instead, which convert's rules follow.
     */
    @Test
    void converterFallsBackToF16WhereQuantizeStops() {
        ModelParams p = new ModelParams("llama", 1, 4, 4, 0);
        long[] narrow = {172, 64}; // stories260K's ffn_down
        for (QuantType t : List.of(QuantType.Q8_0, QuantType.Q4_0, QuantType.Q4_1, QuantType.Q5_0, QuantType.Q5_1)) {
            assertThatThrownBy(() -> new TensorTypeRules(t, p, List.of()).typeFor("blk.0.ffn_down.weight", narrow, F32))
                    .as(t.name()).hasMessageContaining("multiple of 32").hasMessageContaining("llama-quantize has no fallback");
            TensorTypeRules convert = new TensorTypeRules(t, p, llamaNames(1, true)).withConverterFallback();
            assertThat(convert.typeFor("blk.0.ffn_down.weight", narrow, F32)).as(t.name()).isEqualTo(F16);
            assertThat(convert.typeFor("output.weight", narrow, F32)).as(t.name()).isEqualTo(F16);
            assertThat(convert.fallbacks()).isEqualTo(2);
        }
        TensorTypeRules convert = new TensorTypeRules(QuantType.Q8_0, p, List.of()).withConverterFallback();
        assertThat(convert.typeFor("blk.0.ffn_up.weight", new long[]{64, 172}, F32)).isEqualTo(Q8_0);
        // The K-quant fallbacks are llama-quantize's in both modes.
        TensorTypeRules k = new TensorTypeRules(QuantType.Q4_K_S, p, List.of()).withConverterFallback();
        assertThat(k.typeFor("blk.0.attn_q.weight", new long[]{576, 576}, F32)).isEqualTo(GgmlType.Q5_0);
        assertThat(k.typeFor("blk.0.attn_q.weight", new long[]{40, 2}, F32)).isEqualTo(F16);
    }

    @Test
    void whatIsNeverConverted() {
        assertThat(TensorTypeRules.allowsConversion("blk.0.attn_norm.weight", new long[]{256})).isFalse();
        assertThat(TensorTypeRules.allowsConversion("blk.0.attn_q.weight", new long[]{256, 1})).isFalse(); // ggml_n_dims = 1
        assertThat(TensorTypeRules.allowsConversion("blk.0.attn_qkv.bias", new long[]{256, 2})).isFalse();
        assertThat(TensorTypeRules.allowsConversion("position_embd.weight", new long[]{256, 1024})).isFalse();
        assertThat(TensorTypeRules.allowsConversion("token_types.weight", new long[]{256, 2})).isFalse();
        assertThat(TensorTypeRules.allowsConversion("blk.0.ffn_gate_inp.weight", new long[]{256, 8})).isFalse();
        assertThat(TensorTypeRules.allowsConversion("blk.0.ffn_down_exps.weight", new long[]{256, 256, 8})).isTrue();
        TensorTypeRules rules = new TensorTypeRules(QuantType.Q4_K_M, new ModelParams("llama", 2, 4, 4, 0), List.of());
        assertThat(rules.typeFor("blk.0.attn_norm.weight", new long[]{256}, F16)).isEqualTo(F16);
    }

    @Test
    void mixtureOfExpertsReadsTheLayerFromTheName() {
        ModelParams moe = new ModelParams("llama", 4, 32, 8, 8);
        TensorTypeRules rules = new TensorTypeRules(QuantType.Q4_K_M, moe, List.of("blk.3.attn_v.weight"));
        long[] experts = {256, 256, 8};
        assertThat(rules.typeFor("blk.3.ffn_down_exps.weight", experts, F32)).isEqualTo(Q6_K); // last layer
        assertThat(rules.typeFor("blk.1.ffn_down_exps.weight", experts, F32)).isEqualTo(Q4_K);
        assertThat(rules.typeFor("blk.3.attn_v.weight", new long[]{256, 256}, F32)).isEqualTo(Q8_0); // 8 experts
        assertThat(rules.typeFor("blk.0.attn_output.weight", new long[]{256, 256}, F32)).isEqualTo(Q5_K);
        assertThatThrownBy(() -> rules.typeFor("ffn_down_exps.weight", experts, F32)).hasMessageContaining("cannot tell the layer");
    }

    @Test
    void typeNamesParseWithLlamaQuantizeAliases() {
        assertThat(QuantType.parse("q4_k")).isEqualTo(QuantType.Q4_K_M);
        assertThat(QuantType.parse("Q5_K")).isEqualTo(QuantType.Q5_K_M);
        assertThat(QuantType.parse("q3_k")).isEqualTo(QuantType.Q3_K_M);
        assertThat(QuantType.parse(" bf16 ")).isEqualTo(QuantType.BF16);
        assertThat(QuantType.Q4_K_M.fileType()).isEqualTo(15);
        assertThatThrownBy(() -> QuantType.parse("IQ2_XXS")).hasMessageContaining("unknown quantization type").hasMessageContaining("Q6_K");
    }
}
