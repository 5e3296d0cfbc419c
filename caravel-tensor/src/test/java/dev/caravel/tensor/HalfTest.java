package dev.caravel.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class HalfTest {
    // ---- test oracles: ggml's portable bit-twiddling conversions (ggml-impl.h), transcribed

    private static float ggmlF16ToF32(short h) {
        int w = (h & 0xFFFF) << 16;
        int sign = w & 0x80000000;
        int twoW = w + w;
        float normalized = Float.intBitsToFloat((twoW >>> 4) + (0xE0 << 23)) * 0x1.0p-112f;
        float denormalized = Float.intBitsToFloat((twoW >>> 17) | (126 << 23)) - 0.5f;
        int result = sign | (Integer.compareUnsigned(twoW, 1 << 27) < 0
                ? Float.floatToRawIntBits(denormalized) : Float.floatToRawIntBits(normalized));
        return Float.intBitsToFloat(result);
    }

    private static short ggmlF32ToF16(float f) {
        float base = (Math.abs(f) * 0x1.0p+112f) * 0x1.0p-110f;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) {
            bias = 0x71000000;
        }
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x00007C00;
        int mantissaBits = bits & 0x00000FFF;
        int nonsign = expBits + mantissaBits;
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign));
    }

    @Test
    void f16ToF32IsExactForAllHalves() {
        for (int h = 0; h < 65536; h++) {
            float ours = Half.f16ToF32((short) h);
            float ggml = ggmlF16ToF32((short) h);
            if (Float.isNaN(ggml)) {
                assertThat(ours).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(ours)).as("h=%04x", h).isEqualTo(Float.floatToRawIntBits(ggml));
                assertThat(Half.f32ToF16(ours)).as("round trip h=%04x", h).isEqualTo((short) h);
            }
        }
    }

    @Test
    void f32ToF16MatchesGgmlRoundToNearestEven() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 2_000_000; i++) {
            float f = switch (i % 4) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt());                 // any bit pattern
                case 1 -> (float) rnd.nextGaussian() * 1e-5f;                  // F16 subnormal range
                case 2 -> (float) rnd.nextGaussian() * 70000f;                 // around overflow
                default -> (float) rnd.nextGaussian();
            };
            if (Float.isNaN(f)) continue;
            assertThat(Half.f32ToF16(f)).as("f=%s", f).isEqualTo(ggmlF32ToF16(f));
        }
        // exact ties: halfway between two halves must go to the even one
        for (int h = 0; h < 0x7BFF; h++) {
            float lo = Half.f16ToF32((short) h);
            float hi = Half.f16ToF32((short) (h + 1));
            float mid = (float) (((double) lo + hi) / 2);
            assertThat(Half.f32ToF16(mid)).isEqualTo(ggmlF32ToF16(mid)).isEqualTo((short) ((h & 1) == 0 ? h : h + 1));
            assertThat(Half.f32ToF16(-mid)).isEqualTo(ggmlF32ToF16(-mid));
        }
        assertThat(Half.f32ToF16(65520f)).isEqualTo((short) 0x7C00); // rounds to +inf
        assertThat(Half.f32ToF16(65519.99f)).isEqualTo((short) 0x7BFF);
        assertThat(Half.f32ToF16(-0f)).isEqualTo((short) 0x8000);
    }

    @Test
    void bf16Conversions() {
        assertThat(Half.f32ToBf16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Half.bf16ToF32((short) 0xC000)).isEqualTo(-2.0f);
        // ties to even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 -> 1
        assertThat(Half.f32ToBf16(1.0f + 0x1.0p-8f)).isEqualTo((short) 0x3F80);
        // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even) -> up
        assertThat(Half.f32ToBf16(1.0f + 3 * 0x1.0p-8f)).isEqualTo((short) 0x3F82);
        assertThat(Half.f32ToBf16(1.0f + 0x1.0p-8f + 0x1.0p-20f)).isEqualTo((short) 0x3F81);
        // NaN: upper bits kept and forced quiet
        assertThat(Half.f32ToBf16(Float.intBitsToFloat(0x7F800001))).isEqualTo((short) 0x7FC0);
        assertThat(Half.f32ToBf16(Float.intBitsToFloat(0xFF810000))).isEqualTo((short) 0xFFC1);
        assertThat(Half.f32ToBf16(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7F80);
        // overflow to infinity when rounding up the largest finite float
        assertThat(Half.f32ToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 100_000; i++) {
            float f = (float) rnd.nextGaussian();
            float r = Half.roundToBf16(f);
            assertThat((double) Math.abs(r - f)).isLessThanOrEqualTo(Math.abs(f) * 0x1.0p-8);
        }
    }
}
