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

    /** Softmax of {@code l} at temperature {@code t}, in double. */
    private static double[] softmax(float[] l, float t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : l) {
            if (x > max) {
                max = x;
            }
        }
        double[] p = new double[l.length];
        double sum = 0;
        for (int i = 0; i < l.length; i++) {
            p[i] = l[i] > Float.NEGATIVE_INFINITY ? Math.exp((l[i] - max) / t) : 0;
            sum += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void withoutCutsTheDrawFollowsTheWholeSoftmax() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        float[] base = new float[20];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) rnd.nextGaussian();
        }
        base[7] = Float.NEGATIVE_INFINITY; // masked (a constraint)
        base[9] = Float.NaN;
        for (float t : new float[]{1f, 0.5f}) {
            Sampler s = new Sampler(new SamplingParams(t, 0, 1f, 0f, 1f, 64, 0f, 0f, 11), base.length);
            int draws = 40_000;
            int[] seen = new int[base.length];
            for (int i = 0; i < draws; i++) {
                seen[s.sample(base.clone())]++;
            }
            float[] clean = base.clone();
            clean[9] = Float.NEGATIVE_INFINITY;
            double[] p = softmax(clean, t);
            assertThat(seen[7]).isZero();
            assertThat(seen[9]).isZero();
            for (int i = 0; i < base.length; i++) {
                assertThat(seen[i] / (double) draws).as("token " + i + " at T=" + t).isCloseTo(p[i], org.assertj.core.data.Offset.offset(0.012));
            }
        }
    }

    @Test
    void topPAndMinPOnALargeVocabularyKeepExactlyTheNucleus() {
        // A peaked distribution over 50k tokens: the nucleus is found from a histogram, then only it is sorted.
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        int vocab = 50_000;
        float[] base = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            base[i] = (float) (rnd.nextGaussian() * 2.5);
        }
        double[] p = softmax(base, 1f);
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        for (float topP : new float[]{0.5f, 0.9f}) {
            java.util.Set<Integer> nucleus = new java.util.HashSet<>();
            double cum = 0;
            for (int i = 0; i < vocab && cum < topP; i++) {
                nucleus.add(order[i]);
                cum += p[order[i]];
            }
            Sampler s = new Sampler(new SamplingParams(1f, 0, topP, 0f, 1f, 64, 0f, 0f, 1), vocab);
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int i = 0; i < 3000; i++) {
                seen.add(s.sample(base.clone()));
            }
            assertThat(nucleus).containsAll(seen);
            assertThat(seen).contains(order[0]).hasSizeGreaterThan(Math.min(100, nucleus.size() / 2));
        }
        // min-p 0.2: only tokens within ln(5) of the top logit.
        Sampler s = new Sampler(new SamplingParams(1f, 0, 1f, 0.2f, 1f, 64, 0f, 0f, 1), vocab);
        double top = p[order[0]];
        for (int i = 0; i < 2000; i++) {
            assertThat(p[s.sample(base.clone())]).isGreaterThanOrEqualTo(top * 0.2 * 0.999);
        }
    }
}
