package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.ActivationQuantizer.Flavor;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ActivationQuantizerTest {
    static float[] randomActivations(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * (i % 512 < 256 ? 1f : 0.01f);
        }
        // an all-zero block, an outlier, a block with one nonzero value
        for (int i = 64; i < 96; i++) x[i] = 0;
        for (int i = 256; i < 512; i++) x[i] = 0;
        x[600] = -3.5f;
        x[7] = 40f;
        return x;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void q8_0AndQ8_1RoundTrip(Flavor flavor) {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 4096;
        float[] x = randomActivations(rnd, n);
        Activations a = new Activations(n);
        for (GgmlType t : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q8_1}) {
            ActivationQuantizer.quantize(t, flavor, x, 0, n, a, 0);
            try (Arena arena = Arena.ofConfined()) {
                long bs = t.typeSize();
                MemorySegment blocks = arena.allocate(n / 32 * bs);
                if (t == GgmlType.Q8_0) {
                    ActivationQuantizer.quantizeRowQ8_0(x, 0, n, blocks, 0, flavor);
                } else {
                    ActivationQuantizer.quantizeRowQ8_1(x, 0, n, blocks, 0, flavor);
                }
                int qsOff = t == GgmlType.Q8_0 ? 2 : 4;
                for (int b = 0; b < n / 32; b++) {
                    float amax = 0;
                    int sum = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
                    float dExact = amax / 127;
                    float d = a.d()[b];
                    assertThat(d).isEqualTo(Half.roundToF16(dExact));
                    assertThat(Bytes.f16(blocks, b * bs)).isEqualTo(d);
                    for (int j = 0; j < 32; j++) {
                        int q = a.qs()[32 * b + j];
                        sum += q;
                        assertThat(Bytes.i8(blocks, b * bs + qsOff + j)).isEqualTo(q);
                        assertThat(Math.abs(q)).isLessThanOrEqualTo(127);
                        double err = Math.abs(x[32 * b + j] - (double) d * q);
                        assertThat(err).isLessThanOrEqualTo(0.5001 * dExact + 127 * Math.abs(d - dExact) + 1e-30);
                    }
                    if (t == GgmlType.Q8_1) {
                        float s = Half.roundToF16(sum * dExact);
                        assertThat(a.s()[b]).isEqualTo(s);
                        assertThat(Bytes.f16(blocks, b * bs + 2)).isEqualTo(s);
                    }
                }
            }
        }
    }

    @Test
    void roundingTiesDifferBetweenFlavors() {
        // amax 127 -> d = 1 exactly, so x*id lands exactly on halves: ref rounds away from zero, x86 to even
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 3.5f;
        x[4] = 0.5f;
        Activations a = new Activations(32);
        ActivationQuantizer.quantize(GgmlType.Q8_0, Flavor.REFERENCE, x, 0, 32, a, 0);
        assertThat(new int[]{a.qs()[0], a.qs()[1], a.qs()[2], a.qs()[3], a.qs()[4]}).containsExactly(127, 3, -3, 4, 1);
        ActivationQuantizer.quantize(GgmlType.Q8_0, Flavor.X86_SIMD, x, 0, 32, a, 0);
        assertThat(new int[]{a.qs()[0], a.qs()[1], a.qs()[2], a.qs()[3], a.qs()[4]}).containsExactly(127, 2, -2, 4, 0);
        assertThat(a.d()[0]).isEqualTo(1f);
    }

    @Test
    void q8_KRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(12);
        int n = 4096;
        float[] x = randomActivations(rnd, n);
        x[1000] = -50f; // a block whose largest magnitude is negative
        Activations a = new Activations(n);
        ActivationQuantizer.quantize(GgmlType.Q8_K, Flavor.REFERENCE, x, 0, n, a, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment blocks = arena.allocate(n / 256 * 292L);
            ActivationQuantizer.quantizeRowQ8_K(x, 0, n, blocks, 0);
            for (int b = 0; b < n / 256; b++) {
                float d = a.d()[b];
                float amax = 0;
                float max = 0;
                for (int j = 0; j < 256; j++) {
                    if (Math.abs(x[256 * b + j]) > amax) {
                        amax = Math.abs(x[256 * b + j]);
                        max = x[256 * b + j];
                    }
                }
                assertThat(d).isEqualTo(amax == 0 ? 0f : 1 / (-127f / max));
                assertThat(Bytes.f32(blocks, b * 292L)).isEqualTo(d);
                for (int g = 0; g < 16; g++) {
                    int sum = 0;
                    for (int j = 0; j < 16; j++) {
                        int e = 256 * b + 16 * g + j;
                        int q = a.qs()[e];
                        sum += q;
                        assertThat(Bytes.i8(blocks, b * 292L + 4 + 16 * g + j)).isEqualTo(q);
                        assertThat(Math.abs(x[e] - (double) d * q)).isLessThanOrEqualTo(0.5001 * Math.abs(d) + 1e-30);
                    }
                    assertThat(a.bsums()[16 * b + g]).isEqualTo((short) sum);
                    assertThat(Bytes.i16(blocks, b * 292L + 260 + 2 * g)).isEqualTo((short) sum);
                }
            }
        }
        assertThat(a.d()[1]).isZero(); // elements 256..511 are all zero
    }

    @Test
    void halfConversionsOfRows() {
        float[] x = {1f, -2.5f, 3.14159f, 65504f, 1e-7f};
        Activations a = new Activations(x.length);
        ActivationQuantizer.quantize(GgmlType.F16, Flavor.REFERENCE, x, 0, x.length, a, 0);
        for (int i = 0; i < x.length; i++) assertThat(a.half()[i]).isEqualTo(Half.f32ToF16(x[i]));
        ActivationQuantizer.quantize(GgmlType.BF16, Flavor.REFERENCE, x, 0, x.length, a, 0);
        for (int i = 0; i < x.length; i++) assertThat(a.half()[i]).isEqualTo(Half.f32ToBf16(x[i]));
    }
}
