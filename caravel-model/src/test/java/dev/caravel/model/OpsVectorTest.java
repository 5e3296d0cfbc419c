package dev.caravel.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The SIMD lanes of {@link Ops#siluInPlace} against the scalar {@link Ops#siluApprox}, bit for bit, at every width. */
class OpsVectorTest {
    @Test
    void siluLanesEqualTheScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 88f, -88f, 89f, -89f, 103f, -104f, 130f, -130f, 200f, -200f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        int n = 16 * 400 + 7;
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < special.length ? special[i] : (float) (rnd.nextGaussian() * (rnd.nextInt(10) == 0 ? 60 : 4));
        }
        float[] y = x.clone();
        Ops.siluInPlace(y, 3, n);
        for (int i = 0; i < n; i++) {
            float expected = i < (n & ~15) ? Ops.siluApprox(x[3 + i]) : Ops.silu(x[3 + i]);
            assertThat(Float.floatToRawIntBits(y[3 + i])).as("x=%s", x[3 + i]).isEqualTo(Float.floatToRawIntBits(expected));
        }
        assertThat(y[0]).isEqualTo(x[0]);
    }

    @Test
    void softmaxLanesEqualTheScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n : new int[]{1, 2, 15, 16, 17, 31, 32, 33, 100, 257}) {
            float[] x = new float[n + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 8);
            }
            if (n > 3) {
                x[5 + 2] = Float.NEGATIVE_INFINITY; // a masked position
            }
            float[] y = x.clone();
            Ops.softmax(y, 5, n);
            // the scalar twin, as Ops.softmax computes it without the Vector API
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) max = Math.max(max, x[5 + i]);
            float[] e = new float[n + 16];
            for (int i = 0; i < n; i++) e[i] = Ops.expApprox(x[5 + i] - max);
            double sum = 0;
            for (int c = 0; c < n; c += 16) {
                float[] u = new float[4];
                for (int i = 0; i < 4; i++) u[i] = (e[c + i] + e[c + i + 8]) + (e[c + i + 4] + e[c + i + 12]);
                sum += (u[0] + u[2]) + (u[1] + u[3]);
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(y[5 + i])).as("n=%d i=%d", n, i).isEqualTo(Float.floatToRawIntBits(e[i] * inv));
            }
        }
    }
}
