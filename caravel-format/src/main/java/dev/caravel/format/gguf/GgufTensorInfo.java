package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;

/**
 * One tensor's directory entry.
 *
 * @param dims   GGML order: {@code dims[0]} is the innermost (contiguous) dimension, so a matrix
 *               with {@code rows} rows of {@code cols} elements has {@code dims = {cols, rows}}
 * @param offset byte offset of the data, relative to the start of the file's data section
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Human-readable shape in GGML order, e.g. {@code [256, 512]}. */
    public String shape() {
        return java.util.Arrays.toString(dims);
    }
}
