package dev.caravel.tensor.quant;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.Half;
import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.Bytes;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static dev.caravel.tensor.kernel.QMath.nearestInt;
import static dev.caravel.tensor.quant.ScaleSearch.makeQ3Quants;
import static dev.caravel.tensor.quant.ScaleSearch.makeQkx2Quants;
import static dev.caravel.tensor.quant.ScaleSearch.makeQxQuants;

/**
 * Weight quantizers: ggml's {@code quantize_row_*_ref} — what {@code llama-quantize} runs when no
 * importance matrix is given — transcribed to give the same bytes (block layouts as in
 * {@link dev.caravel.tensor.kernel.ScalarDequantizers}). Also F32 / F16 / BF16 "quantization" (copy and
 * rounding).
 *
 * <p>Thread-safe: every call allocates its own small scratch arrays (these are offline conversions, not
 * the decode loop). Verified byte-for-byte against llama-quantize output for every supported type.
 */
public final class WeightQuantizer {
    private WeightQuantizer() {
    }

    /** Whether {@link #quantizeRow} supports {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Quantizes {@code x[xOff .. xOff+n)} to {@code type}, writing {@code type.byteSize(n)} bytes at
     * {@code dst[off ..]}. {@code n} must be a multiple of the block size. Rows are independent, so a whole
     * (rows, cols) tensor is quantized by one call with {@code n = rows*cols} or row by row — same bytes.
     */
    public static void quantizeRow(GgmlType type, float[] x, int xOff, int n, MemorySegment dst, long off) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(off, type.byteSize(n), dst.byteSize());
        switch (type) {
            case F32 -> MemorySegment.copy(x, xOff, dst, Bytes.LE_FLOAT, off, n);
            case F16 -> { for (int i = 0; i < n; i++) Bytes.put16(dst, off + 2L * i, Half.f32ToF16(x[xOff + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) Bytes.put16(dst, off + 2L * i, Half.f32ToBf16(x[xOff + i])); }
            case Q8_0 -> ActivationQuantizer.quantizeRowQ8_0(x, xOff, n, dst, off, ActivationQuantizer.Flavor.REFERENCE);
            case Q4_0 -> q4_0(x, xOff, n, dst, off);
            case Q4_1 -> q4_1(x, xOff, n, dst, off);
            case Q5_0 -> q5_0(x, xOff, n, dst, off);
            case Q5_1 -> q5_1(x, xOff, n, dst, off);
            case Q2_K -> q2_K(x, xOff, n, dst, off);
            case Q3_K -> q3_K(x, xOff, n, dst, off);
            case Q4_K -> q45_K(x, xOff, n, dst, off, false);
            case Q5_K -> q45_K(x, xOff, n, dst, off, true);
            case Q6_K -> q6_K(x, xOff, n, dst, off);
            default -> throw new UnsupportedOperationException("cannot quantize to " + type);
        }
    }

    /** Convenience: quantizes into a new byte array. */
    public static byte[] quantize(GgmlType type, float[] x, int xOff, int n) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(n))];
        quantizeRow(type, x, xOff, n, MemorySegment.ofArray(out), 0);
        return out;
    }

    // ------------------------------------------------------------------ 32-element blocks

    /** Value of largest magnitude (the first one on ties), as ggml's Q4_0/Q5_0 scan finds it. */
    private static float absMaxSigned(float[] x, int o) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    static void q4_0(float[] x, int xOff, int n, MemorySegment dst, long off) {
        for (int b = 0; b < n / 32; b++, off += 18) {
            int o = xOff + 32 * b;
            float d = absMaxSigned(x, o) / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putF16(dst, off, d);
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) (int) (x[o + j] * id + 8.5f));
                int xi1 = Math.min(15, (byte) (int) (x[o + 16 + j] * id + 8.5f));
                Bytes.put8(dst, off + 2 + j, (xi0 & 0xFF) | (xi1 << 4));
            }
        }
    }

    static void q4_1(float[] x, int xOff, int n, MemorySegment dst, long off) {
        for (int b = 0; b < n / 32; b++, off += 20) {
            int o = xOff + 32 * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[o + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / ((1 << 4) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putF16(dst, off, d);
            Bytes.putF16(dst, off + 2, min);
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) (int) ((x[o + j] - min) * id + 0.5f));
                int xi1 = Math.min(15, (byte) (int) ((x[o + 16 + j] - min) * id + 0.5f));
                Bytes.put8(dst, off + 4 + j, (xi0 & 0xFF) | (xi1 << 4));
            }
        }
    }

    static void q5_0(float[] x, int xOff, int n, MemorySegment dst, long off) {
        for (int b = 0; b < n / 32; b++, off += 22) {
            int o = xOff + 32 * b;
            float d = absMaxSigned(x, o) / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putF16(dst, off, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(31, (byte) (int) (x[o + j] * id + 16.5f)) & 0xFF;
                int xi1 = Math.min(31, (byte) (int) (x[o + 16 + j] * id + 16.5f)) & 0xFF;
                Bytes.put8(dst, off + 6 + j, (xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            Bytes.put32(dst, off + 2, qh);
        }
    }

    static void q5_1(float[] x, int xOff, int n, MemorySegment dst, long off) {
        for (int b = 0; b < n / 32; b++, off += 24) {
            int o = xOff + 32 * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[o + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / ((1 << 5) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putF16(dst, off, d);
            Bytes.putF16(dst, off + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = ((int) ((x[o + j] - min) * id + 0.5f)) & 0xFF;
                int xi1 = ((int) ((x[o + 16 + j] - min) * id + 0.5f)) & 0xFF;
                Bytes.put8(dst, off + 8 + j, (xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            Bytes.put32(dst, off + 4, qh);
        }
    }

    // ------------------------------------------------------------------ K-quants

    /** Packs 2-bit quants L[0..256) the Q2_K/Q3_K way: byte j/4+l holds L[j+l], L[j+l+32], L[j+l+64], L[j+l+96]. */
    private static void pack2bit(byte[] L, MemorySegment dst, long qs) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int v = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6);
                Bytes.put8(dst, qs + j / 4 + l, v);
            }
        }
    }

    static void q2_K(float[] x, int xOff, int n, MemorySegment dst, long off) {
        byte[] L = new byte[256];
        byte[] laux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        int[] sc = new int[16];
        final float q4scale = 15.f;
        for (int b = 0; b < n / 256; b++, off += 84, xOff += 256) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[xOff + 16 * j + l]);
                scales[j] = makeQkx2Quants(16, 3, x, xOff + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; j++) sc[j] = nearestInt(iscale * scales[j]) & 0xFF;
                Bytes.putF16(dst, off + 80, maxScale / q4scale);
            } else {
                for (int j = 0; j < 16; j++) sc[j] = 0;
                Bytes.putF16(dst, off + 80, 0.f);
            }
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; j++) sc[j] = (sc[j] | (nearestInt(iscale * mins[j]) << 4)) & 0xFF;
                Bytes.putF16(dst, off + 82, maxMin / q4scale);
            } else {
                Bytes.putF16(dst, off + 82, 0.f);
            }
            float dAll = Bytes.f16(dst, off + 80);
            float dMin = Bytes.f16(dst, off + 82);
            for (int j = 0; j < 16; j++) {
                Bytes.put8(dst, off + j, sc[j]);
                float d = dAll * (sc[j] & 0xF);
                if (d == 0) continue;
                float dm = dMin * (sc[j] >>> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt((x[xOff + 16 * j + ii] + dm) / d);
                    L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            pack2bit(L, dst, off + 16);
        }
    }

    static void q3_K(float[] x, int xOff, int n, MemorySegment dst, long off) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        int[] sb = new int[12];
        for (int b = 0; b < n / 256; b++, off += 110, xOff += 256) {
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < 16; j++) {
                scales[j] = makeQ3Quants(16, 4, x, xOff + 16 * j, L, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            java.util.Arrays.fill(sb, 0);
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < 16; j++) {
                    int l = (byte) nearestInt(iscale * scales[j]);
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (j < 8) {
                        sb[j] = l & 0xF;
                    } else {
                        sb[j - 8] |= (l & 0xF) << 4;
                    }
                    l >>= 4;
                    sb[j % 4 + 8] |= l << (2 * (j / 4));
                }
                Bytes.putF16(dst, off + 108, 1 / iscale);
            } else {
                Bytes.putF16(dst, off + 108, 0.f);
            }
            for (int j = 0; j < 12; j++) Bytes.put8(dst, off + 96 + j, sb[j]);
            float dAll = Bytes.f16(dst, off + 108);
            for (int j = 0; j < 16; j++) {
                int sc = j < 8 ? sb[j] & 0xF : (sb[j - 8] & 0xFF) >>> 4;
                sc = (byte) ((sc | (((sb[8 + j % 4] >>> (2 * (j / 4))) & 3) << 4)) - 32);
                float d = dAll * sc;
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[xOff + 16 * j + ii] / d);
                    L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            // high bit of quant j goes to hmask[j % 32], bit j / 32
            for (int m = 0; m < 32; m++) {
                int hm = 0;
                for (int bit = 0; bit < 8; bit++) {
                    int j = 32 * bit + m;
                    if (L[j] > 3) {
                        hm |= 1 << bit;
                        L[j] -= 4;
                    }
                }
                Bytes.put8(dst, off + m, hm);
            }
            pack2bit(L, dst, off + 32);
        }
    }

    /** Q4_K (nmax 15) and Q5_K (nmax 31): 8 sub-blocks of 32 with 6-bit scales and mins. */
    static void q45_K(float[] x, int xOff, int n, MemorySegment dst, long off, boolean five) {
        byte[] L = new byte[256];
        byte[] laux = new byte[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        int[] sb = new int[12];
        int nmax = five ? 31 : 15;
        int blockBytes = five ? 176 : 144;
        for (int b = 0; b < n / 256; b++, off += blockBytes, xOff += 256) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++) {
                int o = xOff + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += x[o + l] * x[o + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[o + l]);
                scales[j] = five
                        ? makeQkx2Quants(32, 31, x, o, weights, L, 32 * j, mins, j, laux, -0.5f, 0.1f, 15, false)
                        : makeQkx2Quants(32, 15, x, o, weights, L, 32 * j, mins, j, laux, -1.f, 0.1f, 20, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < 8; j++) {
                int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
                int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
                if (j < 4) {
                    sb[j] = ls;
                    sb[j + 4] = lm;
                } else {
                    sb[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                    sb[j - 4] |= (ls >>> 4) << 6;
                    sb[j] |= (lm >>> 4) << 6;
                }
            }
            for (int j = 0; j < 12; j++) Bytes.put8(dst, off + 4 + j, sb[j]);
            Bytes.putF16(dst, off, maxScale / 63.f);
            Bytes.putF16(dst, off + 2, maxMin / 63.f);
            float dAll = Bytes.f16(dst, off);
            float dMin = Bytes.f16(dst, off + 2);
            for (int j = 0; j < 8; j++) {
                int sc;
                int m;
                if (j < 4) {
                    sc = sb[j] & 63;
                    m = sb[j + 4] & 63;
                } else {
                    sc = (sb[j + 4] & 0xF) | ((sb[j - 4] >>> 6) << 4);
                    m = (sb[j + 4] >>> 4) | ((sb[j] >>> 6) << 4);
                }
                float d = dAll * sc;
                if (d == 0) continue;
                float dm = dMin * m;
                for (int ii = 0; ii < 32; ii++) {
                    int l = nearestInt((x[xOff + 32 * j + ii] + dm) / d);
                    L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
                }
            }
            if (!five) {
                long q = off + 16;
                for (int j = 0; j < 256; j += 64, q += 32) {
                    for (int l = 0; l < 32; l++) Bytes.put8(dst, q + l, L[j + l] | (L[j + l + 32] << 4));
                }
            } else {
                long qh = off + 16;
                long ql = off + 48;
                int[] hbits = new int[32];
                int m1 = 1;
                int m2 = 2;
                for (int nn = 0; nn < 256; nn += 64, ql += 32, m1 <<= 2, m2 <<= 2) {
                    for (int j = 0; j < 32; j++) {
                        int l1 = L[nn + j];
                        if (l1 > 15) {
                            l1 -= 16;
                            hbits[j] |= m1;
                        }
                        int l2 = L[nn + j + 32];
                        if (l2 > 15) {
                            l2 -= 16;
                            hbits[j] |= m2;
                        }
                        Bytes.put8(dst, ql + j, l1 | (l2 << 4));
                    }
                }
                for (int j = 0; j < 32; j++) Bytes.put8(dst, qh + j, hbits[j]);
            }
        }
    }

    static void q6_K(float[] x, int xOff, int n, MemorySegment dst, long off) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        byte[] sc = new byte[16];
        for (int b = 0; b < n / 256; b++, off += 210, xOff += 256) {
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = makeQxQuants(16, 32, x, xOff + 16 * ib, L, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < ScaleSearch.GROUP_MAX_EPS) {
                dst.asSlice(off, 210).fill((byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            Bytes.putF16(dst, off + 208, 1 / iscale);
            for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
            float dAll = Bytes.f16(dst, off + 208);
            for (int j = 0; j < 16; j++) {
                Bytes.put8(dst, off + 192 + j, sc[j]);
                float d = dAll * sc[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[xOff + 16 * j + ii] / d);
                    L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            long ql = off;
            long qh = off + 128;
            for (int j = 0; j < 256; j += 128, ql += 64, qh += 32) {
                for (int l = 0; l < 32; l++) {
                    int q1 = L[j + l] & 0xF;
                    int q2 = L[j + l + 32] & 0xF;
                    int q3 = L[j + l + 64] & 0xF;
                    int q4 = L[j + l + 96] & 0xF;
                    Bytes.put8(dst, ql + l, q1 | (q3 << 4));
                    Bytes.put8(dst, ql + l + 32, q2 | (q4 << 4));
                    Bytes.put8(dst, qh + l, (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2)
                            | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
                }
            }
        }
    }
}
