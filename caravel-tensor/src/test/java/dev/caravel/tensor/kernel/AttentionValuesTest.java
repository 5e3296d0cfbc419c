package dev.caravel.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorized attention-value sums against their scalar twin, bit for bit (run at every vector width). */
class AttentionValuesTest {

    @Test
    void vectorKernelEqualsTheScalarTwinBitForBit() {
        SplittableRandom rnd = new SplittableRandom(17);
        int[] lengths = {1, 2, 5, 16, 31, 32, 33, 63, 64, 65, 96, 100, 127, 128, 129, 200, 517};
        int[] dims = {3, 16, 64, 80, 128};
        int checked = 0;
        for (int dim : dims) {
            float[] lanes = new float[AttentionValues.scratchSize(dim)];
            for (int n : lengths) {
                for (int strideExtra : new int[]{0, 37}) {
                    int stride = dim + strideExtra;
                    int vOff = 5;
                    float[] v = new float[vOff + n * stride + dim];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rnd.nextGaussian();
                    }
                    float[] p = new float[n + 3];
                    double sum = 0;
                    for (int t = 0; t < n; t++) {
                        p[3 + t] = (float) Math.exp(rnd.nextGaussian() * 3);
                        sum += p[3 + t];
                    }
                    for (int t = 0; t < n; t++) {
                        p[3 + t] /= (float) sum;
                    }
                    for (boolean batched : new boolean[]{false, true}) {
                        float[] expected = new float[dim + 2];
                        float[] actual = new float[dim + 2];
                        java.util.Arrays.fill(lanes, Float.NaN); // stale scratch must not matter
                        AttentionValues.scalar(expected, 2, p, 3, n, v, vOff, stride, dim, batched);
                        AttentionValues.vector(actual, 2, p, 3, n, v, vOff, stride, dim, batched, lanes);
                        for (int i = 0; i < dim + 2; i++) {
                            assertThat(Float.floatToRawIntBits(actual[i]))
                                    .as("dim %d, n %d, stride %d, batched %s, element %d", dim, n, stride, batched, i)
                                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
                        }
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(dims.length * lengths.length * 2 * 2);
    }

    @Test
    void lanesMatchLlamaCppsPaddedLength() {
        // ggml pads the KV length to 32; ggml_vec_dot_f32 runs 64 lanes below (padded & ~63).
        assertThat(AttentionValues.laneEnd(1)).isZero();
        assertThat(AttentionValues.laneEnd(33)).isEqualTo(64);
        assertThat(AttentionValues.laneEnd(64)).isEqualTo(64);
        assertThat(AttentionValues.laneEnd(100)).isEqualTo(128);
        assertThat(AttentionValues.laneEnd(129)).isEqualTo(128);
    }
}
