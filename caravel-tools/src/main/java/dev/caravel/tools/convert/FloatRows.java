package dev.caravel.tools.convert;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.safetensors.SafetensorsCheckpoint;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tools.io.TensorEncoder;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A tensor seen as {@code rows × cols} floats in row-major order, read lazily a few rows at a time
 * from a memory-mapped file, so converting a model never holds more than a chunk of one tensor.
 * A 1-D tensor is one row. Implementations are called from several encoder threads at once for
 * disjoint rows, so they keep no mutable state.
 *
 * <p>The layout changes between Hugging Face and llama.cpp ({@link #permuteHeads}, {@link #transpose},
 * {@link #add}) are views over another {@code FloatRows}; each has an exact inverse, which is what
 * makes GGUF → export → convert reproduce the original bits.
 */
public interface FloatRows {
    long rows();

    int cols();

    /** Writes rows {@code [first, first + n)} to {@code dst[off ..]}. */
    void read(long first, int n, float[] dst, int off);

    /** This view as the quantizer's row source. */
    default TensorEncoder.RowSource asRowSource() {
        return (first, n, dst) -> read(first, n, dst, 0);
    }

    /** A safetensors tensor: rows = product of all but the last dimension (1 for a vector). */
    static FloatRows of(SafetensorsCheckpoint.Entry e) {
        long rows = e.tensor().shape().length <= 1 ? 1 : e.tensor().rows();
        long cols = e.tensor().shape().length == 0 ? 1 : e.tensor().cols();
        int c = Math.toIntExact(cols);
        return new FloatRows() {
            public long rows() {
                return rows;
            }

            public int cols() {
                return c;
            }

            public void read(long first, int n, float[] dst, int off) {
                e.readFloats(first * c, dst, off, n * c);
            }
        };
    }

    /** A GGUF tensor (any type Caravel can dequantize): rows = product of dims[1..], cols = dims[0]. */
    static FloatRows of(GgufFile file, GgufTensorInfo t) {
        int c = Math.toIntExact(t.dims().length == 0 ? 1 : t.dims()[0]);
        long rows = t.elementCount() / Math.max(1, c);
        long rowBytes = t.type().byteSize(c);
        MemorySegment data = file.tensorData(t);
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        Dequantizer d = t.type() == GgmlType.F32 ? null : Kernels.dequantizer(t.type());
        return new FloatRows() {
            public long rows() {
                return rows;
            }

            public int cols() {
                return c;
            }

            public void read(long first, int n, float[] dst, int off) {
                if (d == null) {
                    MemorySegment.copy(data, le, first * rowBytes, dst, off, n * c);
                } else {
                    d.dequantize(data, first * rowBytes, dst, off, n * c);
                }
            }
        };
    }

    /**
     * llama.cpp's Q/K row order for rotary heads of Llama-family checkpoints. Hugging Face rotates
     * the two halves of each head ({@code rotate_half}); GGML's normal RoPE rotates adjacent pairs,
     * so the converter interleaves each head's halves: GGUF row {@code 2i + j} of a head is HF row
     * {@code j·hd/2 + i}. {@code inverse} undoes it (export). A vector (bias) is permuted the same
     * way element by element.
     */
    static FloatRows permuteHeads(FloatRows src, int heads, boolean inverse) {
        boolean vector = src.rows() == 1;
        long length = vector ? src.cols() : src.rows();
        if (heads <= 0 || length % (2L * heads) != 0) {
            throw new ConvertException("cannot split " + length + " rows into " + heads + " rotary heads");
        }
        int hd = (int) (length / heads);
        java.util.function.LongUnaryOperator map = r -> {
            long h = r / hd;
            int local = (int) (r % hd);
            int mapped = inverse ? (local % (hd / 2)) * 2 + local / (hd / 2) : (local % 2) * (hd / 2) + local / 2;
            return h * hd + mapped;
        };
        if (vector) {
            return new FloatRows() {
                public long rows() {
                    return 1;
                }

                public int cols() {
                    return src.cols();
                }

                public void read(long first, int n, float[] dst, int off) {
                    float[] all = new float[src.cols()];
                    src.read(0, 1, all, 0);
                    for (int i = 0; i < all.length; i++) {
                        dst[off + i] = all[(int) map.applyAsLong(i)];
                    }
                }
            };
        }
        return new FloatRows() {
            public long rows() {
                return src.rows();
            }

            public int cols() {
                return src.cols();
            }

            public void read(long first, int n, float[] dst, int off) {
                for (int i = 0; i < n; i++) {
                    src.read(map.applyAsLong(first + i), 1, dst, off + i * src.cols());
                }
            }
        };
    }

    /**
     * The transpose, for GPT-2's {@code Conv1D} weights, which Hugging Face stores as (in, out)
     * while GGML wants (out, in) rows. Reads whole source rows and keeps the wanted columns.
     */
    static FloatRows transpose(FloatRows src) {
        long rows = src.cols();
        int cols = Math.toIntExact(src.rows());
        return new FloatRows() {
            public long rows() {
                return rows;
            }

            public int cols() {
                return cols;
            }

            public void read(long first, int n, float[] dst, int off) {
                float[] row = new float[src.cols()];
                for (int s = 0; s < cols; s++) {
                    src.read(s, 1, row, 0);
                    for (int i = 0; i < n; i++) {
                        dst[off + i * cols + s] = row[(int) first + i];
                    }
                }
            }
        };
    }

    /**
     * Every element plus {@code delta} in float arithmetic: Gemma's RMSNorm multiplies by
     * {@code 1 + w}, which llama.cpp's converter stores ({@code +1}); export subtracts it again.
     * {@code (w + 1) - 1 == w} exactly whenever {@code w + 1} lies in [0.5, 2] (Sterbenz), i.e. for
     * real norm weights.
     */
    static FloatRows add(FloatRows src, float delta) {
        return new FloatRows() {
            public long rows() {
                return src.rows();
            }

            public int cols() {
                return src.cols();
            }

            public void read(long first, int n, float[] dst, int off) {
                src.read(first, n, dst, off);
                for (int i = 0; i < n * src.cols(); i++) {
                    dst[off + i] += delta;
                }
            }
        };
    }
}
