package dev.caravel.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** Single blocks built byte by byte, with values worked out by hand from the ggml block layouts. */
class HandBlockTest {
    private final Arena arena = Arena.ofAuto();

    /** A segment holding these bytes, starting at an odd address offset to exercise unaligned reads. */
    private MemorySegment bytes(int... b) {
        MemorySegment s = arena.allocate(b.length + 1).asSlice(1);
        for (int i = 0; i < b.length; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) b[i]);
        return s;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] r = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, r, o, p.length);
            o += p.length;
        }
        return r;
    }

    private static int[] fill(int n, int v) {
        int[] r = new int[n];
        java.util.Arrays.fill(r, v);
        return r;
    }

    private float[] dequant(GgmlType t, MemorySegment s, int n) {
        float[] y = new float[n];
        new WeightMatrix(t, s, 1, n).dequantizeRow(0, y, 0);
        return y;
    }

    @Test
    void q4_0() {
        int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = j | ((15 - j) << 4);
        float[] y = dequant(GgmlType.Q4_0, bytes(concat(new int[]{0x00, 0x38}, qs)), 32); // d = 0.5
        for (int j = 0; j < 16; j++) {
            assertThat(y[j]).isEqualTo((j - 8) * 0.5f);
            assertThat(y[j + 16]).isEqualTo((7 - j) * 0.5f);
        }
    }

    @Test
    void q4_1() {
        // d = 2, m = -1, every byte 0x21: low nibble 1 -> 2*1-1 = 1, high nibble 2 -> 2*2-1 = 3
        float[] y = dequant(GgmlType.Q4_1, bytes(concat(new int[]{0x00, 0x40, 0x00, 0xBC}, fill(16, 0x21))), 32);
        for (int j = 0; j < 16; j++) {
            assertThat(y[j]).isEqualTo(1f);
            assertThat(y[j + 16]).isEqualTo(3f);
        }
    }

    @Test
    void q5_0() {
        // d = 1, qh = 0x0000FFFF: elements 0..15 have the fifth bit; qs[0] = 0xA3
        int[] qs = new int[16];
        qs[0] = 0xA3;
        float[] y = dequant(GgmlType.Q5_0, bytes(concat(new int[]{0x00, 0x3C, 0xFF, 0xFF, 0x00, 0x00}, qs)), 32);
        assertThat(y[0]).isEqualTo(3f);     // (3 | 16) - 16
        assertThat(y[1]).isEqualTo(0f);     // (0 | 16) - 16
        assertThat(y[16]).isEqualTo(-6f);   // 10 - 16
        assertThat(y[17]).isEqualTo(-16f);  // 0 - 16
    }

    @Test
    void q5_1() {
        // d = 0.5, m = 10, qh bit 16 set: element 16 gets +16; qs[0] = 0x4F
        int[] qs = new int[16];
        qs[0] = 0x4F;
        float[] y = dequant(GgmlType.Q5_1, bytes(concat(new int[]{0x00, 0x38, 0x00, 0x49, 0x00, 0x00, 0x01, 0x00}, qs)), 32);
        assertThat(y[0]).isEqualTo(0.5f * 15 + 10);
        assertThat(y[16]).isEqualTo(0.5f * (4 + 16) + 10);
        assertThat(y[1]).isEqualTo(10f);
    }

    @Test
    void q8_0() {
        int[] qs = new int[32];
        for (int j = 0; j < 32; j++) qs[j] = (j - 16) & 0xFF;
        float[] y = dequant(GgmlType.Q8_0, bytes(concat(new int[]{0x00, 0x34}, qs)), 32); // d = 0.25
        for (int j = 0; j < 32; j++) assertThat(y[j]).isEqualTo((j - 16) * 0.25f);
    }

    @Test
    void q2_K() {
        int[] scales = new int[16];
        for (int j = 0; j < 16; j++) scales[j] = ((j % 4) << 4) | Math.min(15, j + 1);
        // every qs byte 0b11_10_01_00: the quant of element e is (e % 128) / 32
        MemorySegment s = bytes(concat(scales, fill(64, 0xE4), new int[]{0x00, 0x3C, 0x00, 0x38})); // d = 1, dmin = 0.5
        float[] y = dequant(GgmlType.Q2_K, s, 256);
        assertThat(y[0]).isEqualTo(0f);        // sc 1, min 0, q 0
        assertThat(y[40]).isEqualTo(2f);       // group 2: sc 3, min 2, q 1 -> 3 - 1
        assertThat(y[127]).isEqualTo(22.5f);   // group 7: sc 8, min 3, q 3 -> 24 - 1.5
        assertThat(y[255]).isEqualTo(43.5f);   // group 15: sc 15, min 3, q 3 -> 45 - 1.5
    }

    @Test
    void q3_K() {
        int[] hmask = new int[32];
        hmask[0] = 0x01; // only element 0 has its high bit (no -4)
        // all 16 scales 34 (= 2 after -32) except scale 9 = 5 (= -27)
        int[] scales = {0x22, 0x52, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0xAA, 0x8A, 0xAA, 0xAA};
        // every qs byte 0b00_01_10_11: low bits 3, 2, 1, 0 at shifts 0, 2, 4, 6
        MemorySegment s = bytes(concat(hmask, fill(64, 0x1B), scales, new int[]{0x00, 0x38})); // d = 0.5
        float[] y = dequant(GgmlType.Q3_K, s, 256);
        assertThat(y[0]).isEqualTo(3f);      // 0.5 * 2 * 3
        assertThat(y[1]).isEqualTo(-1f);     // 0.5 * 2 * (3 - 4)
        assertThat(y[32]).isEqualTo(-2f);    // 0.5 * 2 * (2 - 4)
        assertThat(y[200]).isEqualTo(-3f);   // 0.5 * 2 * (1 - 4)
        assertThat(y[150]).isEqualTo(13.5f); // scale 9: 0.5 * -27 * (3 - 4)
    }

    /** Scales (1,2,3,4,17,33,49,63) and mins (0,1,2,3,20,40,60,5) packed as ggml's 12-byte K-quant scales. */
    private static final int[] K_SCALES = {0x41, 0x82, 0xC3, 0xC4, 0x40, 0x81, 0xC2, 0x03, 0x41, 0x81, 0xC1, 0x5F};

    @Test
    void q4_K() {
        // d = 1, dmin = 0.5; every qs byte 0x72: first 32 of each 64 get 2, the other 32 get 7
        MemorySegment s = bytes(concat(new int[]{0x00, 0x3C, 0x00, 0x38}, K_SCALES, fill(128, 0x72)));
        float[] y = dequant(GgmlType.Q4_K, s, 256);
        assertThat(y[0]).isEqualTo(2f);       // 1*2 - 0
        assertThat(y[40]).isEqualTo(13.5f);   // 2*7 - 0.5*1
        assertThat(y[130]).isEqualTo(24f);    // 17*2 - 0.5*20
        assertThat(y[200]).isEqualTo(68f);    // 49*2 - 0.5*60
        assertThat(y[255]).isEqualTo(438.5f); // 63*7 - 0.5*5
    }

    @Test
    void q5_K() {
        // as q4_K plus qh = 0x55 everywhere: sub-blocks 0, 2, 4, 6 get +16
        MemorySegment s = bytes(concat(new int[]{0x00, 0x3C, 0x00, 0x38}, K_SCALES, fill(32, 0x55), fill(128, 0x72)));
        float[] y = dequant(GgmlType.Q5_K, s, 256);
        assertThat(y[0]).isEqualTo(18f);      // 1*18
        assertThat(y[40]).isEqualTo(13.5f);   // 2*7 - 0.5
        assertThat(y[130]).isEqualTo(296f);   // 17*18 - 10
        assertThat(y[255]).isEqualTo(438.5f); // 63*7 - 2.5
    }

    @Test
    void q6_K() {
        int[] ql = new int[128];
        for (int i = 0; i < 128; i++) ql[i] = i;
        int[] scales = new int[16];
        for (int i = 0; i < 16; i++) scales[i] = (i - 8) & 0xFF;
        // qh = 0b11_10_01_00: upper bits 0, 1, 2, 3 for the four 32-element parts of each 128
        MemorySegment s = bytes(concat(ql, fill(64, 0xE4), scales, new int[]{0x00, 0x38})); // d = 0.5
        float[] y = dequant(GgmlType.Q6_K, s, 256);
        assertThat(y[0]).isEqualTo(128f);   // ql[0]=0 low, hi 0: q=-32; scale -8: 0.5*-8*-32
        assertThat(y[33]).isEqualTo(45f);   // ql[33]=0x21 low 1, hi 1: q=-15; scale -6
        assertThat(y[70]).isEqualTo(0f);    // ql[6]=6 high nibble 0, hi 2: q=0
        assertThat(y[127]).isEqualTo(-9.5f); // ql[63]=0x3F high nibble 3, hi 3: q=19; scale -1
        assertThat(y[200]).isEqualTo(8f);   // ql[72]=0x48 high nibble 4, hi 2: q=4; scale 4
    }

    @Test
    void halfTypes() {
        assertThat(dequant(GgmlType.F16, bytes(0x00, 0x3C, 0x00, 0xC0), 2)).containsExactly(1f, -2f);
        assertThat(dequant(GgmlType.BF16, bytes(0x80, 0x3F, 0x49, 0x40), 2)).containsExactly(1f, Float.intBitsToFloat(0x40490000));
        assertThat(dequant(GgmlType.F32, bytes(0x00, 0x00, 0x80, 0x3F), 1)).containsExactly(1f);
    }
}
