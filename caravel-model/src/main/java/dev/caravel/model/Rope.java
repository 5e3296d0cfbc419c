package dev.caravel.model;

/**
 * Rotary position embedding.
 *
 * <p>Angles follow llama.cpp: {@code theta_i = pos * scale * base^(-2i/ropeDim) / factor_i},
 * with the per-pair power evaluated in float by repeated multiplication as ggml does. Only the
 * first {@code ropeDim} dimensions of each head rotate; the rest pass through (GLM's partial
 * rotary). cos/sin are tabulated for the first {@link #TABLE_POSITIONS} positions and computed on
 * the fly beyond, so a 128k-context model doesn't pay for a huge table up front.
 */
public final class Rope {
    static final int TABLE_POSITIONS = 8192;

    private final RopeType type;
    private final int ropeDim;
    private final float positionScale;
    private final float[] inverseFrequency; // (ropeDim / 2) base^(-2i/ropeDim) / factor_i
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
        int half = ropeDim / 2;
        inverseFrequency = new float[half];
        float thetaScale = (float) Math.pow(base, -2.0 / Math.max(ropeDim, 1));
        float f = 1f;
        for (int i = 0; i < half; i++) {
            inverseFrequency[i] = freqFactors == null ? f : f / freqFactors[i];
            f *= thetaScale;
        }
        tablePositions = type == RopeType.NONE ? 0 : Math.min(maxPositions, TABLE_POSITIONS);
        cos = new float[tablePositions * half];
        sin = new float[cos.length];
        for (int p = 0; p < tablePositions; p++) {
            for (int i = 0; i < half; i++) {
                float t = angle(p, i);
                cos[p * half + i] = (float) Math.cos(t);
                sin[p * half + i] = (float) Math.sin(t);
            }
        }
    }

    private float angle(int pos, int pair) {
        return positionScale * (pos * inverseFrequency[pair]);
    }

    /** Rotates {@code nHeads} consecutive heads of width {@code headDim} starting at {@code off}. */
    public void apply(float[] x, int off, int nHeads, int headDim, int pos) {
        if (type == RopeType.NONE) {
            return;
        }
        int half = ropeDim / 2;
        boolean tabulated = pos < tablePositions;
        int base = pos * half;
        for (int i = 0; i < half; i++) {
            float c;
            float s;
            if (tabulated) {
                c = cos[base + i];
                s = sin[base + i];
            } else {
                float t = angle(pos, i);
                c = (float) Math.cos(t);
                s = (float) Math.sin(t);
            }
            for (int h = 0; h < nHeads; h++) {
                int ho = off + h * headDim;
                int a = type == RopeType.NORM ? ho + 2 * i : ho + i;
                int b = type == RopeType.NORM ? a + 1 : a + half;
                float x0 = x[a];
                float x1 = x[b];
                x[a] = x0 * c - x1 * s;
                x[b] = x0 * s + x1 * c;
            }
        }
    }
}
