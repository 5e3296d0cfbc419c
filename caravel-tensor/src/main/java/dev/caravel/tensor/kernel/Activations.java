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
}
