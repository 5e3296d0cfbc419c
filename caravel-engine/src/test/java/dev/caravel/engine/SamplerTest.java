package dev.caravel.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplerTest {
    static float[] logits(float... v) {
        return v.clone();
    }

    @Test
    void greedyPicksArgmax() {
        Sampler s = new Sampler(SamplingParams.greedy(), 4);
        assertThat(s.sample(logits(0.1f, 3f, -1f, 2.9f))).isEqualTo(1);
    }

    @Test
    void sameSeedSameSequenceDifferentSeedDifferent() {
        SamplingParams p = SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0f).withTemperature(1f);
        int[] a = draw(new Sampler(p.withSeed(7), 50), 200);
        int[] b = draw(new Sampler(p.withSeed(7), 50), 200);
        int[] c = draw(new Sampler(p.withSeed(8), 50), 200);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    static int[] draw(Sampler s, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            float[] l = new float[50];
            for (int j = 0; j < 50; j++) {
                l[j] = (float) Math.sin(j * 0.37);
            }
            out[i] = s.sample(l);
        }
        return out;
    }

    @Test
    void topKRestrictsToKMostLikely() {
        Sampler s = new Sampler(SamplingParams.defaults().withTopK(2).withTopP(1f).withMinP(0f).withTemperature(5f), 5);
        for (int i = 0; i < 500; i++) {
            assertThat(s.sample(logits(1f, 5f, 0f, 4.9f, 2f))).isIn(1, 3);
        }
    }

    @Test
    void topPKeepsSmallestNucleus() {
        // probs ≈ 0.64, 0.24, 0.09, 0.03: top-p 0.7 keeps the first two.
        float[] base = {(float) Math.log(0.64), (float) Math.log(0.24), (float) Math.log(0.09), (float) Math.log(0.03)};
        Sampler s = new Sampler(SamplingParams.defaults().withTopK(0).withTopP(0.7f).withMinP(0f).withTemperature(1f), 4);
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            seen.merge(s.sample(base.clone()), 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder(0, 1);
        // Renormalized: 0.64 / 0.88 ≈ 0.727.
        assertThat(seen.get(0) / 2000.0).isBetween(0.68, 0.78);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        float[] base = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        Sampler s = new Sampler(SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0.2f).withTemperature(1f), 4);
        for (int i = 0; i < 1000; i++) {
            assertThat(s.sample(base.clone())).isIn(0, 1, 2);
        }
    }

    @Test
    void repetitionPenaltyFollowsLlamaCppSignRule() {
        Sampler s = new Sampler(SamplingParams.greedy().withPenalties(2f, 64, 0f, 0f), 3);
        s.accept(0);
        s.accept(1);
        float[] l = logits(4f, -1f, 2.5f);
        assertThat(s.sample(l)).isEqualTo(2);
        assertThat(l).containsExactly(2f, -2f, 2.5f);
    }

    @Test
    void frequencyAndPresencePenaltiesCountOccurrences() {
        Sampler s = new Sampler(SamplingParams.greedy().withPenalties(1f, 64, 0.5f, 0.25f), 3);
        s.accept(0);
        s.accept(0);
        s.accept(1);
        float[] l = logits(3f, 3f, 1f);
        s.sample(l);
        assertThat(l).containsExactly(3f - 2 * 0.5f - 0.25f, 3f - 0.5f - 0.25f, 1f);
    }

    @Test
    void penaltiesOnlySeeTheLastN() {
        Sampler s = new Sampler(SamplingParams.greedy().withPenalties(1f, 2, 1f, 0f), 3);
        s.accept(0);
        s.accept(1);
        s.accept(2); // pushes 0 out of the window
        float[] l = logits(1f, 1f, 1f);
        s.sample(l);
        assertThat(l).containsExactly(1f, 0f, 0f);
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> SamplingParams.defaults().withTopP(0f).validate()).hasMessageContaining("top-p");
        assertThatThrownBy(() -> SamplingParams.defaults().withTemperature(-1f).validate()).hasMessageContaining("temperature");
    }
}
