package dev.caravel.model;

/**
 * Element-wise and reduction operations of the forward pass, written to follow llama.cpp's CPU
 * numerics (sums of squares and softmax denominators accumulated in double, the rest in float).
 *
 * <p>All methods work in place or into caller-provided arrays: nothing here allocates.
 */
public final class Ops {
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float GELU_COEF_A = 0.044715f;
    /** GELU as llama.cpp computes it: through a table indexed by the F16 input, holding F16 outputs. */
    private static final float[] GELU_F16_TABLE = buildGeluTable();

    private Ops() {
    }

    /** {@code out = x / rms(x) * weight} over {@code n} elements (weight may be null: no scaling). */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += (double) (v * v);
        }
        float mean = (float) (sum / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i] * scale;
            out[outOff + i] = weight == null ? v : v * weight[i];
        }
    }

    /** {@code out = (x - mean) / sqrt(var + eps) * weight + bias}; weight and bias may be null. */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i];
        }
        float mean = (float) (sum / n);
        double sq = 0;
        for (int i = 0; i < n; i++) {
            float d = x[xOff + i] - mean;
            out[outOff + i] = d;
            sq += (double) (d * d);
        }
        float variance = (float) (sq / n);
        float scale = (float) (1.0 / Math.sqrt(variance + eps));
        for (int i = 0; i < n; i++) {
            float v = out[outOff + i] * scale;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            out[outOff + i] = v;
        }
    }

    public static void add(float[] acc, int accOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] += x[xOff + i];
        }
    }

    public static void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    /** GELU (tanh approximation) exactly as ggml's CPU backend: input and output rounded to F16. */
    public static float gelu(float x) {
        if (x <= -10.0f) {
            return 0.0f;
        }
        if (x >= 10.0f) {
            return x;
        }
        return GELU_F16_TABLE[Float.floatToFloat16(x) & 0xFFFF];
    }

    /** GELU (tanh approximation) in full float precision. */
    public static float geluExact(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    private static float[] buildGeluTable() {
        float[] table = new float[1 << 16];
        for (int i = 0; i < table.length; i++) {
            float f = Float.float16ToFloat((short) i);
            table[i] = Float.float16ToFloat(Float.floatToFloat16(geluExact(f)));
        }
        return table;
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]} (SwiGLU). */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] = silu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** {@code gate[i] = gelu(gate[i]) * up[i]} (GeGLU). */
    public static void geglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] = gelu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** In-place softmax over {@code x[off .. off+n)}. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@code x = tanh(x / cap) * cap}: Gemma 2's soft capping of attention scores and logits. */
    public static void softcap(float[] x, int off, int n, float cap) {
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.tanh(x[off + i] / cap) * cap;
        }
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }
}
