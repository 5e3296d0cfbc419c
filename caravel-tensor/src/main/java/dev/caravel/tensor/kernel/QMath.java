package dev.caravel.tensor.kernel;

/** C rounding helpers with ggml's exact semantics. */
public final class QMath {
    private QMath() {
    }

    /**
     * ggml's {@code nearest_int}: rounds to nearest, ties to even, by adding 1.5·2²³ in float arithmetic.
     * Valid for |x| ≤ 4194303 (as in ggml).
     */
    public static int nearestInt(float x) {
        float v = x + 12582912f;
        return (Float.floatToRawIntBits(v) & 0x007FFFFF) - 0x00400000;
    }

    /** C {@code roundf}: to nearest, ties away from zero, as an int. */
    public static int roundf(float x) {
        return (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }

    /** To nearest, ties to even, as an int (x86 {@code _mm256_round_ps(v, _MM_ROUND_NEAREST)}). */
    public static int rint(float x) {
        return (int) Math.rint(x);
    }
}
