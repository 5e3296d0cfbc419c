package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.caravel.tensor.kernel.Bytes.f16;
import static dev.caravel.tensor.kernel.Bytes.i8;
import static dev.caravel.tensor.kernel.Bytes.i32;
import static dev.caravel.tensor.kernel.Bytes.u8;

/**
 * Plain scalar dequantizers, one per supported type, following ggml's {@code dequantize_row_*}
 * expression by expression (same float operations in the same order), so the results are bit-identical.
 *
 * <p>Block layouts (byte offsets inside one block; all multi-byte fields little-endian):
 * <pre>
 * Q4_0 (32 el, 18 B): d f16 @0, qs[16] @2          x[j] = (nib-8)*d; low nibbles → j&lt;16, high → j+16
 * Q4_1 (32 el, 20 B): d @0, m @2, qs[16] @4        x = nib*d + m
 * Q5_0 (32 el, 22 B): d @0, qh u32 @2, qs[16] @6   fifth bit of element j is bit j of qh
 * Q5_1 (32 el, 24 B): d @0, m @2, qh @4, qs @8
 * Q8_0 (32 el, 34 B): d @0, qs[32] i8 @2
 * Q2_K (256 el, 84 B): scales[16] @0 (lo nibble scale, hi nibble min), qs[64] @16, d @80, dmin @82
 * Q3_K (256 el, 110 B): hmask[32] @0, qs[64] @32, scales[12] @96 (16 6-bit scales), d @108
 * Q4_K (256 el, 144 B): d @0, dmin @2, scales[12] @4 (8 6-bit scale/min pairs), qs[128] @16
 * Q5_K (256 el, 176 B): d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48
 * Q6_K (256 el, 210 B): ql[128] @0, qh[64] @128, scales[16] i8 @192, d @208
 * </pre>
 */
public final class ScalarDequantizers {
    private ScalarDequantizers() {
    }

    /** The scalar dequantizer for {@code type}, or {@code null} if Caravel cannot dequantize it. */
    public static Dequantizer forType(GgmlType type) {
        return switch (type) {
            case F32 -> ScalarDequantizers::f32;
            case F16 -> ScalarDequantizers::f16Row;
            case BF16 -> ScalarDequantizers::bf16;
            case Q4_0 -> ScalarDequantizers::q4_0;
            case Q4_1 -> ScalarDequantizers::q4_1;
            case Q5_0 -> ScalarDequantizers::q5_0;
            case Q5_1 -> ScalarDequantizers::q5_1;
            case Q8_0 -> ScalarDequantizers::q8_0;
            case Q2_K -> ScalarDequantizers::q2_K;
            case Q3_K -> ScalarDequantizers::q3_K;
            case Q4_K -> ScalarDequantizers::q4_K;
            case Q5_K -> ScalarDequantizers::q5_K;
            case Q6_K -> ScalarDequantizers::q6_K;
            default -> null;
        };
    }

    static void f32(MemorySegment s, long off, float[] y, int yo, int n) {
        MemorySegment.copy(s, Bytes.LE_FLOAT, off, y, yo, n);
    }

    static void f16Row(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = f16(s, off + 2L * i);
        }
    }

    static void bf16(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = Float.intBitsToFloat((Bytes.i16(s, off + 2L * i) & 0xFFFF) << 16);
        }
    }

    static void q4_0(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 32; b++, off += 18, yo += 32) {
            float d = f16(s, off);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 2 + j);
                y[yo + j] = ((q & 0x0F) - 8) * d;
                y[yo + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    static void q4_1(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 32; b++, off += 20, yo += 32) {
            float d = f16(s, off);
            float m = f16(s, off + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 4 + j);
                y[yo + j] = (q & 0x0F) * d + m;
                y[yo + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    static void q5_0(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 32; b++, off += 22, yo += 32) {
            float d = f16(s, off);
            int qh = i32(s, off + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                y[yo + j] = (((q & 0x0F) | h0) - 16) * d;
                y[yo + j + 16] = (((q >>> 4) | h1) - 16) * d;
            }
        }
    }

    static void q5_1(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 32; b++, off += 24, yo += 32) {
            float d = f16(s, off);
            float m = f16(s, off + 2);
            int qh = i32(s, off + 4);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                y[yo + j] = ((q & 0x0F) | h0) * d + m;
                y[yo + j + 16] = ((q >>> 4) | h1) * d + m;
            }
        }
    }

    static void q8_0(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 32; b++, off += 34, yo += 32) {
            float d = f16(s, off);
            for (int j = 0; j < 32; j++) {
                y[yo + j] = i8(s, off + 2 + j) * d;
            }
        }
    }

    static void q2_K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++, off += 84) {
            float d = f16(s, off + 80);
            float min = f16(s, off + 82);
            long q = off + 16;
            int is = 0;
            for (int half = 0; half < 2; half++, q += 32) {
                for (int shift = 0; shift < 8; shift += 2) {
                    int sc = u8(s, off + is++);
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) {
                        y[yo++] = dl * ((u8(s, q + l) >>> shift) & 3) - ml;
                    }
                    sc = u8(s, off + is++);
                    dl = d * (sc & 0xF);
                    ml = min * (sc >>> 4);
                    for (int l = 16; l < 32; l++) {
                        y[yo++] = dl * ((u8(s, q + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /** The j-th (0..15) signed 6-bit scale of a Q3_K block (already minus 32), from its 12 packed bytes at {@code sc}. */
    static int q3kScale(MemorySegment s, long sc, int j) {
        int low = j < 8 ? u8(s, sc + j) & 0xF : u8(s, sc + j - 8) >>> 4;
        int high = (u8(s, sc + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    static void q3_K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++, off += 110) {
            float dAll = f16(s, off + 108);
            long q = off + 32;
            int is = 0;
            int m = 1;
            for (int half = 0; half < 2; half++, q += 32) {
                for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                    float dl = dAll * q3kScale(s, off + 96, is++);
                    for (int l = 0; l < 16; l++) {
                        int hbit = (u8(s, off + l) & m) != 0 ? 0 : 4;
                        y[yo++] = dl * (((u8(s, q + l) >>> shift) & 3) - hbit);
                    }
                    dl = dAll * q3kScale(s, off + 96, is++);
                    for (int l = 16; l < 32; l++) {
                        int hbit = (u8(s, off + l) & m) != 0 ? 0 : 4;
                        y[yo++] = dl * (((u8(s, q + l) >>> shift) & 3) - hbit);
                    }
                }
            }
        }
    }

    /** ggml's get_scale_min_k4: the j-th (0..7) 6-bit scale (low 8 bits of result) and min (bits 8..15). */
    static int scaleMinK4(MemorySegment s, long q, int j) {
        int d;
        int m;
        if (j < 4) {
            d = u8(s, q + j) & 63;
            m = u8(s, q + j + 4) & 63;
        } else {
            d = (u8(s, q + j + 4) & 0xF) | ((u8(s, q + j - 4) >>> 6) << 4);
            m = (u8(s, q + j + 4) >>> 4) | ((u8(s, q + j) >>> 6) << 4);
        }
        return d | (m << 8);
    }

    static void q4_K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++, off += 144) {
            float d = f16(s, off);
            float min = f16(s, off + 2);
            long q = off + 16;
            for (int is = 0; is < 8; is += 2, q += 32) {
                int sm = scaleMinK4(s, off + 4, is);
                float d1 = d * (sm & 0xFF);
                float m1 = min * (sm >>> 8);
                sm = scaleMinK4(s, off + 4, is + 1);
                float d2 = d * (sm & 0xFF);
                float m2 = min * (sm >>> 8);
                for (int l = 0; l < 32; l++) {
                    y[yo + l] = d1 * (u8(s, q + l) & 0xF) - m1;
                    y[yo + 32 + l] = d2 * (u8(s, q + l) >>> 4) - m2;
                }
                yo += 64;
            }
        }
    }

    static void q5_K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++, off += 176) {
            float d = f16(s, off);
            float min = f16(s, off + 2);
            long qh = off + 16;
            long ql = off + 48;
            int u1 = 1;
            int u2 = 2;
            for (int is = 0; is < 8; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                int sm = scaleMinK4(s, off + 4, is);
                float d1 = d * (sm & 0xFF);
                float m1 = min * (sm >>> 8);
                sm = scaleMinK4(s, off + 4, is + 1);
                float d2 = d * (sm & 0xFF);
                float m2 = min * (sm >>> 8);
                for (int l = 0; l < 32; l++) {
                    int h = u8(s, qh + l);
                    y[yo + l] = d1 * ((u8(s, ql + l) & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                    y[yo + 32 + l] = d2 * ((u8(s, ql + l) >>> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
                yo += 64;
            }
        }
    }

    static void q6_K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++, off += 210) {
            float d = f16(s, off + 208);
            long ql = off;
            long qh = off + 128;
            long sc = off + 192;
            for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, yo += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = u8(s, qh + l);
                    int a = u8(s, ql + l);
                    int c = u8(s, ql + l + 32);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((c & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((c >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    y[yo + l] = d * i8(s, sc + is) * q1;
                    y[yo + l + 32] = d * i8(s, sc + is + 2) * q2;
                    y[yo + l + 64] = d * i8(s, sc + is + 4) * q3;
                    y[yo + l + 96] = d * i8(s, sc + is + 6) * q4;
                }
            }
        }
    }
}
