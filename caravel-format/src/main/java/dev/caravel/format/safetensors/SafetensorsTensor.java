package dev.caravel.format.safetensors;

import java.util.Arrays;

/**
 * One tensor's header entry.
 *
 * @param shape row-major (PyTorch) order: {@code shape[0]} is the outermost dimension, so a
 *              {@code (rows, cols)} matrix has {@code shape = {rows, cols}} — the reverse of GGUF dims
 * @param begin byte offset of the data relative to the start of the file's data buffer
 * @param end   exclusive end offset
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    /** Elements in the last (contiguous) dimension; 1 for a scalar. */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** Product of all but the last dimension. */
    public long rows() {
        long c = cols();
        return c == 0 ? 0 : elementCount() / c;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
