package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Q8_0-family panel layouts themselves ({@link Q5Panels}, {@link Q8Panels}), read back in scalar code: every
 * stored value comes back where the class comments say, and the scalar reading of a panel, in the kernels' order
 * of operations, equals the scalar twin of llama.cpp's product on the original row bit for bit. Scalar code only,
 * so it holds whatever the vector width; the vector kernels are held to the same twins by
 * {@code dev.caravel.tensor.PanelsTest}.
 */
class PanelLayoutTest {

    @Test
    void q5FieldsHoldEveryValueOnce() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] u = new int[32];
        int[] v = new int[5];
        for (int trial = 0; trial < 2000; trial++) {
            for (int e = 0; e < 32; e++) {
                u[e] = trial < 2 ? 31 * trial : rnd.nextInt(32);
            }
            Q5Panels.pack(u, v);
            for (int j = 0; j < 4; j++) {
                for (int p = 0; p < 6; p++) {
                    assertThat(v[j] >>> (5 * p) & 0x1F).isEqualTo(u[4 * p + j]);
                }
            }
            for (int j = 0; j < 4; j++) {
                assertThat(v[4] >>> (8 * j) & 0xF | (v[j] >>> 30 & 1) << 4).isEqualTo(u[24 + j]);
                assertThat(v[4] >>> (8 * j + 4) & 0xF | (v[j] >>> 31) << 4).isEqualTo(u[28 + j]);
                // the kernels' forms: u for lane 6, 16·u for lane 7
                assertThat(v[4] >>> 8 * j & 0xF | v[j] >>> 26 & 0x10).isEqualTo(u[24 + j]);
                assertThat(v[4] >>> 8 * j & 0xF0 | v[j] >>> 23 & 0x100).isEqualTo(16 * u[28 + j]);
            }
            int bits = 0;
            for (int x : v) {
                bits += Integer.bitCount(x);
            }
            int expected = 0;
            for (int x : u) {
                expected += Integer.bitCount(x);
            }
            assertThat(bits).as("no bit stored twice").isEqualTo(expected);
        }
    }

    @Test
    void scalarReadingsOfThePanelsEqualTheScalarTwins() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (GgmlType type : new GgmlType[]{GgmlType.Q5_0, GgmlType.Q8_0}) {
            for (int cols : new int[]{32, 160, 1024}) {
                int rows = 48;
                int n = 3;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(type.byteSize(cols) * rows);
                    for (long i = 0; i < data.byteSize(); i++) {
                        Bytes.put8(data, i, rnd.nextInt(256));
                    }
                    for (long o = 0; o < data.byteSize(); o += type.typeSize()) {
                        Bytes.putF16(data, o, (float) ((rnd.nextBoolean() ? 1 : -1) * (0.001 + rnd.nextDouble() * 0.05)));
                    }
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(40) == 0 ? 30 : 1));
                    }
                    Activations a = new Activations(n * cols);
                    for (int t = 0; t < n; t++) {
                        ActivationQuantizer.quantize(GgmlType.Q8_0, ActivationQuantizer.Flavor.X86_SIMD, x, t * cols, cols, a, t * cols, false);
                    }
                    Panels.prepareActivations(type, a, n, cols);
                    MemorySegment panels = Panels.allocate(type, rows, cols, arena);
                    Panels.fill(type, data, rows, cols, panels, 0, rows / 16);
                    assertThat(panels.byteSize()).isEqualTo((long) rows / 16 * cols / 32 * (type == GgmlType.Q5_0 ? 384 : 576));
                    DotKernel twin = ScalarDotKernels.forShape(type, rows, cols);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            float scalar = type == GgmlType.Q5_0 ? Q5Panels.dotScalar(panels, cols, a, t, r) : Q8Panels.dotScalar(panels, cols, a, t, r);
                            assertThat(scalar).as("%s cols=%d t=%d r=%d", type, cols, t, r)
                                    .isEqualTo(twin.dot(data, r * type.byteSize(cols), a, t * cols, cols));
                        }
                    }
                }
            }
        }
    }

    @Test
    void q5ActivationFormMatchesTheFieldScales() {
        SplittableRandom rnd = new SplittableRandom(9);
        int cols = 64;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        Activations a = new Activations(cols);
        ActivationQuantizer.quantize(GgmlType.Q8_0, ActivationQuantizer.Flavor.X86_SIMD, x, 0, cols, a, 0, false);
        Panels.prepareActivations(GgmlType.Q5_0, a, 1, cols);
        byte[] q = a.qs();
        float[] f = a.panel5();
        for (int b = 0; b < cols / 32; b++) {
            int o = 32 * b;
            for (int j = 0; j < 4; j++) {
                for (int p = 0; p < 6; p++) {
                    assertThat(f[o + 6 * j + p]).isEqualTo(Math.scalb((float) q[o + 4 * p + j], -5 * p));
                }
            }
            for (int j = 0; j < 4; j++) {
                assertThat(f[o + 24 + j]).isEqualTo(q[o + 24 + j]);
                assertThat(f[o + 28 + j]).isEqualTo(q[o + 28 + j] / 16f);
            }
            for (int p = 0; p < 8; p++) {
                assertThat(a.panel5Bias()[8 * b + p]).isEqualTo(-16f * (q[o + 4 * p] + q[o + 4 * p + 1] + q[o + 4 * p + 2] + q[o + 4 * p + 3]));
            }
        }
        // nothing else was filled
        assertThat(a.panel()).isNull();
        assertThat(a.panel8()).isNull();
    }
}
