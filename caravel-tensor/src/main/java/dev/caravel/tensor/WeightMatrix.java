package dev.caravel.tensor;

import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.Kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A 2-D weight tensor of shape (rows, cols), row-major, stored in a GGML type — usually a zero-copy
 * view over a memory-mapped GGUF file.
 *
 * <p>GGUF lists dimensions innermost first: a tensor with {@code ne = [cols, rows]} is this matrix, and
 * row {@code r} occupies bytes {@code [r*rowBytes, (r+1)*rowBytes)} of {@link #data()}, where
 * {@code rowBytes = type.byteSize(cols)}. In a linear layer {@code y = W x}, W is (out_features,
 * in_features): {@code rows} = outputs, {@code cols} = inputs.
 *
 * <p>Immutable and thread-safe (as long as the underlying memory is not modified).
 */
public final class WeightMatrix {
    private final GgmlType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final Dequantizer dequantizer;
    private final DotKernel dot;

    /**
     * @param type the element type; must be one Caravel computes with (F32, F16, BF16, Q4_0, Q4_1, Q5_0,
     *             Q5_1, Q8_0, Q2_K..Q6_K)
     * @param data the tensor bytes, at least {@code rows * type.byteSize(cols)} long (extra bytes ignored);
     *             any alignment
     * @param rows number of rows (≥ 1)
     * @param cols elements per row (≥ 1, a multiple of the type's block size)
     * @throws IllegalArgumentException on an unsupported type, a bad shape or a too-small segment
     */
    public WeightMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (!Kernels.supports(type)) {
            throw new IllegalArgumentException("unsupported weight type " + type);
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("bad shape (" + rows + ", " + cols + ")");
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + ": row length " + cols + " is not a multiple of the block size " + type.blockSize());
        }
        this.rowBytes = type.byteSize(cols);
        long need = Math.multiplyExact(rowBytes, (long) rows);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(type + " (" + rows + ", " + cols + ") needs " + need + " bytes but the segment has " + data.byteSize());
        }
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.dequantizer = Kernels.dequantizer(type);
        this.dot = Kernels.dot(type, rows, cols);
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Bytes of one stored row. */
    public long rowBytes() {
        return rowBytes;
    }

    /** The backing bytes (possibly longer than {@code rows * rowBytes}). */
    public MemorySegment data() {
        return data;
    }

    /** Byte offset of row {@code row} in {@link #data()}. */
    public long rowOffset(int row) {
        Objects.checkIndex(row, rows);
        return row * rowBytes;
    }

    /** The activation type this matrix's rows are dotted with (llama.cpp CPU's {@code vec_dot_type}). */
    public GgmlType vecDotType() {
        return dot.vecDotType();
    }

    /** The dot kernel used for this matrix. */
    public DotKernel dotKernel() {
        return dot;
    }

    /** Writes row {@code row} as {@code cols} floats to {@code dst[dstOffset ..]}, bit-exact with ggml. */
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        Objects.checkFromIndexSize(dstOffset, cols, dst.length);
        dequantizer.dequantize(data, rowOffset(row), dst, dstOffset, cols);
    }

    /**
     * Writes elements {@code [colStart, colStart+count)} of row {@code row} to {@code dst[dstOffset ..]};
     * {@code colStart} and {@code count} must be multiples of the block size.
     */
    public void dequantizeRange(int row, int colStart, int count, float[] dst, int dstOffset) {
        Objects.checkFromIndexSize(colStart, count, cols);
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        int bs = type.blockSize();
        if (colStart % bs != 0 || count % bs != 0) {
            throw new IllegalArgumentException("range [" + colStart + ", " + (colStart + count) + ") is not block aligned (" + bs + ")");
        }
        dequantizer.dequantize(data, rowOffset(row) + type.byteSize(colStart), dst, dstOffset, count);
    }

    @Override
    public String toString() {
        return "WeightMatrix[" + type + " (" + rows + ", " + cols + ")]";
    }
}
