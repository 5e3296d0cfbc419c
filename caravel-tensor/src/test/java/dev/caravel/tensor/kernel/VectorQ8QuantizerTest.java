package dev.caravel.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link VectorQ8Quantizer}'s block steps against their scalar twins in {@link ActivationQuantizer}. */
class VectorQ8QuantizerTest {
    private static volatile int sink;

    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 127f, -127f};

    @Test
    void vectorBlockMaximumEqualsTheScalarChainBitForBit() {
        assumeTrue(VectorWidth.enabled(), "the Vector API kernels are off");
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = new float[32 * 64 + 5];
        for (int round = 0; round < 400; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (rnd.nextInt(6)) {
                    case 0 -> 0f;
                    case 1 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
                    default -> (float) rnd.nextGaussian() * (float) Math.pow(10, rnd.nextInt(9) - 4);
                };
            }
            if (round % 5 == 0) { // the largest magnitude in each lane position in turn, either sign
                int at = rnd.nextInt(32);
                for (int b = 0; b < 64; b++) x[5 + 32 * b + at] = rnd.nextBoolean() ? 1e6f : -1e6f;
            }
            for (int o = 0; o + 32 <= x.length; o += 1 + rnd.nextInt(31)) {
                assertThat(Float.floatToRawIntBits(VectorQ8Quantizer.absMax32(x, o)))
                        .as("block at %d", o).isEqualTo(Float.floatToRawIntBits(ActivationQuantizer.amax32Scalar(x, o)));
            }
        }
        float[] zeros = new float[32];
        java.util.Arrays.fill(zeros, -0f);
        assertThat(Float.floatToRawIntBits(VectorQ8Quantizer.absMax32(zeros, 0))).isZero(); // +0, as the scalar's start
    }

    @Test
    void vectorRoundingEqualsTheScalarLoopBitForBit() {
        assumeTrue(VectorWidth.enabled() && VectorQ8Quantizer.ROUNDS, "no vector rounding at this width");
        SplittableRandom rnd = new SplittableRandom(12);
        float[] x = new float[32 * 8];
        byte[] vq = new byte[x.length + 32];
        byte[] sq = new byte[x.length + 32];
        for (int round = 0; round < 3000; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (rnd.nextInt(8)) {
                    case 0 -> 0f;
                    case 1 -> -0f;
                    case 2 -> (rnd.nextInt(255) - 127) * 0.5f; // ties once scaled by an id of 1 (half-integers)
                    default -> (float) rnd.nextGaussian() * (float) Math.pow(10, rnd.nextInt(7) - 3);
                };
            }
            int xo = 32 * rnd.nextInt(8);
            int qo = rnd.nextInt(33);
            float amax = ActivationQuantizer.amax32Scalar(x, xo);
            float id = round % 3 == 0 ? 1f : amax != 0f ? 127f / amax : 0f; // id 1 keeps the ties of case 2
            if (id == 1f && amax > 127f) {
                continue;
            }
            int vs = VectorQ8Quantizer.q8Block(x, xo, id, vq, qo);
            int ss = ActivationQuantizer.q8Round(x, xo, id, sq, qo);
            assertThat(vs).as("sum, round %d", round).isEqualTo(ss);
            assertThat(java.util.Arrays.copyOfRange(vq, qo, qo + 32)).as("quants, round %d", round)
                    .isEqualTo(java.util.Arrays.copyOfRange(sq, qo, qo + 32));
            sink += vs;
        }
    }
}
