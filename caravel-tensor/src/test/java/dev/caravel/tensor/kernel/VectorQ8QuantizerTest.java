package dev.caravel.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link VectorQ8Quantizer#q8Row} against its scalar twin, {@code ActivationQuantizer.q8Scalar} (x86 flavour). */
class VectorQ8QuantizerTest {
    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f,
            1e30f, -1e30f, 127f, -127f, 0.5f, -0.5f, 1.5f, -2.5f};

    @Test
    void vectorRowEqualsTheScalarLoopBitForBit() {
        assumeTrue(VectorWidth.enabled() && VectorQ8Quantizer.ROUNDS, "no vector quantization at this width");
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 32 * 24;
        float[] x = new float[n + 40];
        for (int round = 0; round < 600; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (rnd.nextInt(8)) {
                    case 0 -> 0f;
                    case 1 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
                    // a block of half-integers up to ±127 quantizes with id = 1: rint meets its ties
                    case 2 -> (rnd.nextInt(255) - 127) * 0.5f;
                    default -> (float) rnd.nextGaussian() * (float) Math.pow(10, rnd.nextInt(9) - 4);
                };
            }
            if (round % 4 == 0) { // blocks of ties: every element a half-integer and one of them ±127
                for (int i = 0; i < n; i++) x[i] = (rnd.nextInt(253) - 126) + 0.5f * rnd.nextInt(2);
                for (int b = 0; b < n / 32; b++) x[32 * b + rnd.nextInt(32)] = rnd.nextBoolean() ? 127f : -127f;
            }
            if (round % 5 == 1) { // a whole block of zeros, and of negative zeros
                Arrays.fill(x, 64, 96, 0f);
                Arrays.fill(x, 96, 128, -0f);
            }
            int xOff = round % 3 == 2 ? rnd.nextInt(9) : 0;
            int m = 32 * (1 + rnd.nextInt(n / 32));
            int aOff = 32 * rnd.nextInt(2);
            byte[] vq = new byte[n + 64];
            byte[] sq = new byte[n + 64];
            float[] vd = new float[n / 32 + 2];
            float[] sd = new float[n / 32 + 2];
            float[] vs = new float[n / 32 + 2];
            float[] ss = new float[n / 32 + 2];
            boolean q81 = rnd.nextBoolean();
            VectorQ8Quantizer.q8Row(x, xOff, m, vq, vd, q81 ? vs : null, aOff);
            ActivationQuantizer.q8Scalar(x, xOff, m, sq, sd, q81 ? ss : null, aOff, ActivationQuantizer.Flavor.X86_SIMD);
            assertThat(vq).as("quants, round %d", round).isEqualTo(sq);
            assertThat(bits(vd)).as("scales, round %d", round).isEqualTo(bits(sd));
            assertThat(bits(vs)).as("d·Σq, round %d", round).isEqualTo(bits(ss));
        }
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}
