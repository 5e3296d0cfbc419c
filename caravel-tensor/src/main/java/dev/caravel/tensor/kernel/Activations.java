package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

/**
 * Activations converted to a weight type's {@code vec_dot_type}, held as plain arrays
 * ("structure of arrays") rather than ggml's interleaved blocks, so kernels read them without decoding.
 *
 * <p>Element {@code e} of the buffer (rows are simply concatenated: element {@code r*cols + c}) lives in:
 * <ul>
 *   <li>F32: {@link #f32()}{@code [e]}</li>
 *   <li>F16 / BF16: {@link #half()}{@code [e]} (raw 16-bit patterns)</li>
 *   <li>Q8_0 / Q8_1: {@link #qs()}{@code [e]}, block scale {@link #d()}{@code [e/32]} (the F16-rounded
 *       value ggml stores), and for Q8_1 {@link #s()}{@code [e/32]} = F16(d·Σqs)</li>
 *   <li>Q8_K: {@link #qs()}{@code [e]}, {@link #d()}{@code [e/256]} (a full float), and
 *       {@link #bsums()}{@code [e/16]} = Σ of each 16 quants</li>
 * </ul>
 *
 * <p>When the Vector API kernels are in use ({@link VectorWidth#enabled()}), {@link ActivationQuantizer} also
 * fills forms those kernels read without reshuffling in their inner loops:
 * <ul>
 *   <li>Q8_0 / Q8_1 / Q8_K: {@link #qw()} — the quants widened to 16 bits and split by parity within each
 *       block of 32: block {@code B} (elements {@code 32B .. 32B+31}) holds its even elements at
 *       {@code qw[32B + j] = qs[32B + 2j]} and its odd ones at {@code qw[32B + 16 + j] = qs[32B + 2j + 1]}
 *       (j &lt; 16). A kernel multiplies them with the weight bytes split the same way (the low and high byte of
 *       each 16-bit lane), so that each 32-bit lane ends up with the four products ggml's {@code madd} pairs.</li>
 *   <li>F16: {@link #f32()}{@code [e]} = the F16 value as float (exact).</li>
 *   <li>BF16: {@link #f32()} holds the values as float with denormals flushed (what {@code vdpbf16ps} sees),
 *       split by parity within each full group of 32 starting at the row's first element {@code r}:
 *       {@code f32[r + 32u + j]} = element {@code r + 32u + 2j}, {@code f32[r + 32u + 16 + j]} = element
 *       {@code r + 32u + 2j + 1}; elements after the last full group are stored in place, unflushed.</li>
 * </ul>
 * Arrays are allocated on first use of a kind, at full capacity, and then reused: after warm-up nothing
 * is allocated. Not thread-safe for writing; any number of threads may read it once it is filled.
 */
public final class Activations {
    private final int capacity;
    private float[] f32;
    private short[] half;
    private byte[] qs;
    private float[] d;
    private float[] s;
    private short[] bsums;
    private short[] qw;
    private float[] panel;
    private float[] panelBias;
    private int[] pairsX8;
    private int[] pairs;
    private float[] panel8X8;
    private float[] panel5X8;
    private float[] panel8;
    private float[] kpanel4;
    private float[] kpanel4Mins;
    private float[] kpanel5;
    private float[] kpanel6;
    private float[] kpanel6Bias;
    private float[] panel5;
    private float[] panel5Bias;
    private float[] panel5BiasX8;

    /** @param capacity the most elements (rows × cols) this buffer will hold; a multiple of 256 is not required */
    public Activations(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** Makes sure the arrays that {@code vecDotType} needs exist (allocates them the first time only). */
    public void reserve(GgmlType vecDotType) {
        switch (vecDotType) {
            case F32 -> {
                if (f32 == null) f32 = new float[capacity];
            }
            case F16, BF16 -> {
                if (half == null) half = new short[capacity];
                if (VectorWidth.enabled() && f32 == null) f32 = new float[capacity];
            }
            case Q8_0, Q8_1 -> {
                reserveQs();
                if (d == null || d.length < capacity / 32 + 1) d = new float[capacity / 32 + 1];
                if (vecDotType == GgmlType.Q8_1 && s == null) s = new float[capacity / 32 + 1];
            }
            case Q8_K -> {
                reserveQs();
                if (d == null || d.length < capacity / 32 + 1) d = new float[capacity / 32 + 1];
                if (bsums == null) bsums = new short[capacity / 16 + 1];
            }
            default -> throw new IllegalArgumentException("not an activation type: " + vecDotType);
        }
    }

    private void reserveQs() {
        if (qs == null) qs = new byte[capacity];
        if (VectorWidth.enabled() && qw == null) qw = new short[capacity];
    }

    public float[] f32() {
        return f32;
    }

    public short[] half() {
        return half;
    }

    public byte[] qs() {
        return qs;
    }

    public float[] d() {
        return d;
    }

    public float[] s() {
        return s;
    }

    public short[] bsums() {
        return bsums;
    }

    /** Allocates the panel form that {@code weightType}'s panels read the first time only; see {@link Panels}. */
    void reservePanels(GgmlType weightType) {
        switch (weightType) {
            case Q4_0 -> {
                if (panel == null) {
                    panel = new float[capacity];
                    panelBias = new float[capacity / 32 + 1];
                    pairsX8 = new int[capacity / 2 + 1];
                    pairs = new int[capacity / 2 + 1];
                }
            }
            case Q8_0 -> {
                if (panel8 == null) {
                    panel8 = new float[capacity];
                    panel8X8 = new float[capacity];
                }
            }
            case Q5_0 -> {
                if (panel5 == null) {
                    panel5 = new float[capacity];
                    panel5X8 = new float[capacity];
                    panel5Bias = new float[capacity / 4 + 8];
                    panel5BiasX8 = new float[capacity / 4 + 8];
                }
            }
            default -> throw new IllegalArgumentException("no panels for " + weightType);
        }
    }

    /**
     * The Q4_0 panels' activation pairs for the 16-bit kernels ({@link VectorPairPanelKernels}), each full group of 8
     * rows interleaved: {@code pairsX8[(G·cols/2 + u)·8 + t]} for pair {@code u = 16b + 4i + q} of row 8G + t holds
     * the quants of elements {@code e = 32b + e(i, q)} (low 16 bits) and {@code e + 2} (high 16 bits), the elements
     * that nibbles q and q + 4 of the weights' int i hold (see {@link Q4Panels}).
     */
    public int[] pairsX8() {
        return pairsX8;
    }

    /**
     * The same pairs for the rows the one-row kernel reads (those after the last full group of 8 and the four-row
     * kernel's chunk), not interleaved: {@code pairs[t·cols/2 + u]} for row t.
     */
    public int[] pairs() {
        return pairs;
    }

    /**
     * {@link #panel5()} with the rows of each full group of 8 interleaved, for the eight-row kernels:
     * {@code panel5X8[(G·cols + e)·8 + t] = panel5[(8G + t)·cols + e]}, so that one index reaches the eight rows'
     * element e at constant offsets.
     */
    public float[] panel5X8() {
        return panel5X8;
    }

    /** {@link #panel8()} with the rows of each full group of 8 interleaved, like {@link #panel5X8()}. */
    public float[] panel8X8() {
        return panel8X8;
    }

    /** Q8_0 quants as floats times 2^-24, for the Q8_0 panel kernels; see {@link Q8Panels}. */
    public float[] panel8() {
        return panel8;
    }

    /** Q8_0 quants as floats in the order the Q5_0 panel kernels read them, pre-scaled per field; see {@link Q5Panels}. */
    public float[] panel5() {
        return panel5;
    }

    /** Per ggml lane of each Q8_0 block (8 a block): −16 · Σ of its 4 quants; see {@link Q5Panels}. */
    public float[] panel5Bias() {
        return panel5Bias;
    }

    /**
     * {@link #panel5Bias()} of each full group of 8 activation rows, the eight rows' value of a (block, lane) side by
     * side: {@code [64·(G·nb + b) + 8·lane + t] = panel5Bias[8·((8G + t)·nb + b) + lane]}, so that the eight-row Q5_0
     * kernels read them at one index (eight loads 8·nb apart each took a bounds check of its own).
     */
    public float[] panel5BiasX8() {
        return panel5BiasX8;
    }

    /**
     * Q8_0 quants as floats in the order the Q4_0 four-row panel kernel reads them, pre-scaled per nibble position;
     * see {@link Q4Panels}. Filled only for the rows that kernel reads.
     */
    public float[] panel() {
        return panel;
    }

    /** Per Q8_0 block: 8 · Σ quants (the Q4_0 offset of 8 applied once per block); see {@link Q4Panels}. */
    public float[] panelBias() {
        return panelBias;
    }

    /** Allocates the panel forms of {@code type} ({@link #kpanel4()} etc.) the first time only. */
    void reserveKPanels(GgmlType type) {
        switch (type) {
            case Q4_K -> {
                if (kpanel4 == null) kpanel4 = new float[capacity];
            }
            case Q5_K -> {
                if (kpanel5 == null) kpanel5 = new float[capacity];
            }
            case Q6_K -> {
                if (kpanel6 == null) {
                    kpanel6 = new float[capacity];
                    kpanel6Bias = new float[capacity / 4 + 1];
                }
            }
            default -> throw new IllegalArgumentException("no K panels for " + type);
        }
        if (type != GgmlType.Q6_K && kpanel4Mins == null) {
            kpanel4Mins = new float[capacity / 32 + 1];
        }
    }

    /**
     * Q8_K quants as floats in the order the Q4_K panel kernels read them (per superblock and pass), pre-scaled
     * per position; see {@link KPanels}. Filled only for matrices that have panels.
     */
    public float[] kpanel4() {
        return kpanel4;
    }

    /** Per 32 Q8_K quants (a Q4_K/Q5_K sub-block): their sum, pre-scaled like the sub-block's min; see {@link KPanels}. */
    public float[] kpanel4Mins() {
        return kpanel4Mins;
    }

    /** Q8_K quants as floats in the order the Q5_K panel kernels read them, pre-scaled; see {@link KPanels}. */
    public float[] kpanel5() {
        return kpanel5;
    }

    /** Q8_K quants as floats in the order the Q6_K panel kernels read them, pre-scaled; see {@link KPanels}. */
    public float[] kpanel6() {
        return kpanel6;
    }

    /** Per group of 4 quants a Q6_K pass reads: −32 · their sum · 2^-24 (the quants' offset); see {@link KPanels}. */
    public float[] kpanel6Bias() {
        return kpanel6Bias;
    }

    /** Q8_0/Q8_1/Q8_K quants widened and split by parity per block of 32 (see the class comment); vector kernels only. */
    public short[] qw() {
        return qw;
    }
}
