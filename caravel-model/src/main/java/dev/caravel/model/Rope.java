package dev.caravel.model;

/**
 * Rotary position embedding, computed as ggml's CPU {@code rope} does (bit for bit on x86-64, GCC):
 *
 * <ul>
 *   <li>angles: {@code theta_0 = pos}, {@code theta_{i+1} = theta_i * thetaScale} in float (repeated
 *       multiplication, {@code thetaScale = powf(base, -2/ropeDim)}), then
 *       {@code angle_i = positionScale * (theta_i / factor_i)};</li>
 *   <li>{@code cos}/{@code sin} of the float angle, rounded to float;</li>
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
                cos[p * half + i] = (float) Math.cos(t);
                sin[p * half + i] = (float) Math.sin(t);
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
                c = (float) Math.cos(t);
                s = (float) Math.sin(t);
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
}
