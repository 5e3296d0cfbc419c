package dev.caravel.model;

/**
 * Rotary position embedding, computed as ggml's CPU {@code rope} does (bit for bit on x86-64, GCC):
 *
 * <ul>
 *   <li>angles: {@code theta_0 = pos}, {@code theta_{i+1} = theta_i * thetaScale} in float (repeated
 *       multiplication, {@code thetaScale = powf(base, -2/ropeDim)}), then
 *       {@code angle_i = positionScale * (theta_i / factor_i)};</li>
 *   <li>{@code cos}/{@code sin} of the float angle exactly as glibc's {@code cosf}/{@code sinf} compute them
 *       ({@link #sinf}, {@link #cosf}; the JDK's correctly rounded values differ from them in about 0.2 % of
 *       the angles);</li>
 *   <li>the rotation {@code x0' = x0·cos − x1·sin}, {@code x1' = x0·sin + x1·cos} with the first product of
 *       each fused into an FMA (GCC's contraction of those expressions).</li>
 * </ul>
 *
 * <p>Only the first {@code ropeDim} dimensions of each head rotate; the rest pass through (GLM's partial
 * rotary). cos/sin are tabulated for the first {@link #TABLE_POSITIONS} positions and computed on the fly
 * beyond, so a 128k-context model doesn't pay for a huge table up front.
 */
public final class Rope {
    static final int TABLE_POSITIONS = 8192;

    private final RopeType type;
    private final int ropeDim;
    private final float positionScale;
    private final float thetaScale;
    private final float[] freqFactors; // (ropeDim / 2) or null
    private final int tablePositions;
    private final float[] cos; // (tablePositions, ropeDim / 2)
    private final float[] sin; // (tablePositions, ropeDim / 2)

    public Rope(RopeType type, int ropeDim, float base, float positionScale, int maxPositions) {
        this(type, ropeDim, base, positionScale, maxPositions, null);
    }

    /**
     * @param freqFactors per-pair divisors of the angle (LongRoPE's {@code rope_factors_*}, Llama
     *                    3.1's {@code rope_freqs}), {@code ropeDim / 2} of them, or null
     */
    public Rope(RopeType type, int ropeDim, float base, float positionScale, int maxPositions, float[] freqFactors) {
        this.type = type;
        this.ropeDim = ropeDim;
        this.positionScale = positionScale;
        this.freqFactors = freqFactors;
        int half = ropeDim / 2;
        this.thetaScale = (float) Math.pow(base, -2.0f / Math.max(ropeDim, 1)); // powf(freq_base, -2.0f/n_dims)
        tablePositions = type == RopeType.NONE ? 0 : Math.min(maxPositions, TABLE_POSITIONS);
        cos = new float[tablePositions * half];
        sin = new float[cos.length];
        for (int p = 0; p < tablePositions; p++) {
            float theta = p;
            for (int i = 0; i < half; i++) {
                float t = angle(theta, i);
                cos[p * half + i] = cosf(t);
                sin[p * half + i] = sinf(t);
                theta *= thetaScale;
            }
        }
    }

    /** ggml's rope_yarn without extrapolation mixing: {@code freq_scale * (theta / ff)}. */
    private float angle(float theta, int pair) {
        float extrap = freqFactors == null ? theta : theta / freqFactors[pair];
        return positionScale * extrap;
    }

    /** Rotates {@code nHeads} consecutive heads of width {@code headDim} starting at {@code off}. */
    public void apply(float[] x, int off, int nHeads, int headDim, int pos) {
        if (type == RopeType.NONE) {
            return;
        }
        int half = ropeDim / 2;
        boolean tabulated = pos < tablePositions;
        int base = pos * half;
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float c;
            float s;
            if (tabulated) {
                c = cos[base + i];
                s = sin[base + i];
            } else {
                float t = angle(theta, i);
                c = cosf(t);
                s = sinf(t);
                theta *= thetaScale;
            }
            for (int h = 0; h < nHeads; h++) {
                int ho = off + h * headDim;
                int a = type == RopeType.NORM ? ho + 2 * i : ho + i;
                int b = type == RopeType.NORM ? a + 1 : a + half;
                float x0 = x[a];
                float x1 = x[b];
                x[a] = Math.fma(x0, c, -(x1 * s));
                x[b] = Math.fma(x0, s, x1 * c);
            }
        }
    }

    // ------------------------------------------------------------------ glibc's sinf / cosf

    /*
     * A transcription of glibc 2.x's sinf/cosf (sysdeps/ieee754/flt-32/s_sinf.c, s_cosf.c, sincosf.h, from
     * ARM's optimized-routines): evaluated in double, |x| < pi/4 directly, |x| < 120 with a one-step
     * reduction by pi/2, larger |x| with a 4/pi table reduction; a degree-4 (cos) or degree-7 (sin) polynomial.
     * On x86-64 glibc runs its FMA build (ifunc) on FMA machines: a*b + c below is a fused multiply-add.
     */
    private static final double[] SINCOS_SIGN = {1.0, -1.0, -1.0, 1.0};
    private static final double HPI_INV = 0x1.45F306DC9C883p+23;
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final double PI63 = 0x1.921FB54442D18p-62;
    private static final double[][] COS_POLY = {
            {0x1p0, -0x1.ffffffd0c621cp-2, 0x1.55553e1068f19p-5, -0x1.6c087e89a359dp-10, 0x1.99343027bf8c3p-16},
            {-0x1p0, 0x1.ffffffd0c621cp-2, -0x1.55553e1068f19p-5, 0x1.6c087e89a359dp-10, -0x1.99343027bf8c3p-16}};
    private static final double SIN_S1 = -0x1.555545995a603p-3;
    private static final double SIN_S2 = 0x1.1107605230bc4p-7;
    private static final double SIN_S3 = -0x1.994eb3774cf24p-13;
    private static final int[] INV_PIO4 = {
            0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e,
            0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
            0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1,
            0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
            0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599,
            0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041};

    /** sinf_poly: sine polynomial for even n, cosine polynomial (table t) for odd n. */
    private static float sincosPoly(double x, double x2, int t, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = Math.fma(x2, SIN_S3, SIN_S2);
            double x7 = x3 * x2;
            double s = Math.fma(x3, SIN_S1, x);
            return (float) Math.fma(x7, s1, s);
        }
        double[] c = COS_POLY[t];
        double x4 = x2 * x2;
        double c2 = Math.fma(x2, c[4], c[3]);
        double c1 = Math.fma(x2, c[1], c[0]);
        double x6 = x4 * x2;
        double cc = Math.fma(x4, c[2], c1);
        return (float) Math.fma(x6, c2, cc);
    }

    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }

    /**
     * glibc's reduce_large for |x| &gt;= 120: the 64-bit fixed-point product of x's mantissa with 4/pi, whose
     * top two bits (rounded) are the quadrant n and the rest, times pi/2^63, the reduced argument.
     */
    private static long reduceLargeBits(int xi) {
        int idx = (xi >>> 26) & 15;
        int shift = (xi >>> 23) & 7;
        long m = ((((xi & 0xffffff) | 0x800000) << shift) & 0xffffffffL);
        long res0 = (m * (INV_PIO4[idx] & 0xffffffffL)) & 0xffffffffL;
        long res1 = m * (INV_PIO4[idx + 4] & 0xffffffffL);
        long res2 = m * (INV_PIO4[idx + 8] & 0xffffffffL);
        res0 = (res2 >>> 32) | (res0 << 32);
        return res0 + res1;
    }

    private static int largeQuadrant(long bits) {
        return (int) ((bits + (1L << 61)) >>> 62);
    }

    private static double largeRemainder(long bits, int n) {
        return (double) (bits - ((long) n << 62)) * PI63;
    }

    /** glibc's {@code sinf}, bit for bit (finite arguments). */
    static float sinf(float y) {
        double x = y;
        if (abstop12(y) < abstop12(0x1.921FB6p-1f)) {
            if (abstop12(y) < abstop12(0x1p-12f)) {
                return y;
            }
            return sincosPoly(x, x * x, 0, 0);
        }
        return reducedSinCos(y, 0);
    }

    /** glibc's {@code cosf}, bit for bit (finite arguments). */
    static float cosf(float y) {
        double x = y;
        if (abstop12(y) < abstop12(0x1.921FB6p-1f)) {
            if (abstop12(y) < abstop12(0x1p-12f)) {
                return 1.0f;
            }
            return sincosPoly(x, x * x, 0, 1);
        }
        return reducedSinCos(y, 1);
    }

    /**
     * The |y| ≥ π/4 path shared by {@link #sinf} and {@link #cosf}: reduce to a quadrant, then evaluate the
     * polynomial; cosine is sine one quadrant on, so {@code cosine} (0 or 1) is xor-ed into the quadrant.
     */
    private static float reducedSinCos(float y, int cosine) {
        double x = y;
        if (abstop12(y) < abstop12(120.0f)) {
            int n = (((int) (x * HPI_INV)) + 0x800000) >> 24;
            double r = Math.fma(-n, HPI, x);
            double s = SINCOS_SIGN[n & 3];
            return sincosPoly(r * s, r * r, (n & 2) != 0 ? 1 : 0, n ^ cosine);
        }
        if (Float.isNaN(y) || Float.isInfinite(y)) {
            return Float.NaN;
        }
        int xi = Float.floatToRawIntBits(y);
        long bits = reduceLargeBits(xi);
        int n = largeQuadrant(bits);
        double r = largeRemainder(bits, n);
        int k = n + (xi >>> 31);
        double s = SINCOS_SIGN[k & 3];
        return sincosPoly(r * s, r * r, (k & 2) != 0 ? 1 : 0, n ^ cosine);
    }
}
