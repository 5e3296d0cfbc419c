package dev.caravel.tensor;

/**
 * IEEE half precision (F16) and bfloat16 (BF16) conversions, bit-compatible with ggml.
 *
 * <p>Values are carried as the raw 16-bit pattern in a {@code short}.
 * <ul>
 *   <li>F16 → F32 is exact (every half is a float).</li>
 *   <li>F32 → F16 rounds to nearest, ties to even, overflowing to ±∞, with subnormals — the result of
 *       x86 F16C {@code vcvtps2ph} and of ggml's portable {@code ggml_compute_fp32_to_fp16} for every
 *       non-NaN input. (The JDK's {@link Float#floatToFloat16} is that very conversion and compiles to
 *       F16C where available.)</li>
 *   <li>BF16 → F32 is exact (the upper half of a float).</li>
 *   <li>F32 → BF16 rounds to nearest, ties to even; a NaN keeps its upper 16 bits and is forced quiet
 *       (ggml's {@code ggml_compute_fp32_to_bf16}).</li>
 * </ul>
 */
public final class Half {
    private Half() {
    }

    /** F16 bits → float (exact). */
    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    /** float → F16 bits, round to nearest even. */
    public static short f32ToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** Rounds a float through F16 and back (what storing it as F16 does to it). */
    public static float roundToF16(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /** BF16 bits → float (exact). */
    public static float bf16ToF32(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** float → BF16 bits, round to nearest even, NaNs made quiet (ggml's rule). */
    public static short f32ToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }

    /** Rounds a float through BF16 and back. */
    public static float roundToBf16(float f) {
        return bf16ToF32(f32ToBf16(f));
    }
}
