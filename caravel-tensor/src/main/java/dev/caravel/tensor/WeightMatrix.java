package dev.caravel.tensor;

import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tensor.kernel.Panels;

import java.lang.foreign.Arena;
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
    /** Whether products go through {@link Panels} (built on first use, see {@link #panels()}). */
    private final boolean panelled;
    private volatile MemorySegment panels;
    private MemorySegment panelStorage;
    /** Where the panels are kept between runs, or {@code null}; {@link #name} is this matrix's key there. */
    private final PanelStore store;
    private final String name;

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
        this(type, data, rows, cols, null, null);
    }

    /**
     * A matrix whose panels are taken from {@code store} when it has them (no build at first use), and saved there
     * when they are built.
     *
     * @param store where panels are kept between runs, or {@code null} for none
     * @param name  the matrix's name in {@code store} (its tensor name in the model file)
     */
    public WeightMatrix(GgmlType type, MemorySegment data, int rows, int cols, PanelStore store, String name) {
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
        this.panelled = Panels.applies(type, rows, cols);
        this.store = panelled ? store : null;
        this.name = name;
        if (this.store != null) {
            Objects.requireNonNull(name, "name");
            panels = this.store.find(name, type, rows, cols, Panels.byteSize(type, rows, cols));
        }
    }

    /**
     * The panels of this matrix's first {@link Panels#panelRows} rows, or {@code null} when it has none
     * ({@link Panels#applies}: Q4_0, Q5_0, Q8_0, Q4_K, Q5_K and Q6_K with the Vector API kernels). Built on first call, in off-heap memory of its own (about the size of the
     * tensor, like llama.cpp's repacked copy), or taken from the {@link PanelStore} the matrix was made with; afterwards the products read only the panels, so the mapped
     * pages of those rows are released from this process's resident set (they stay in the page cache, and rows
     * read later, e.g. an embedding lookup, come back on demand). Thread-safe.
     */
    public MemorySegment panels() {
        if (!panelled) {
            return null;
        }
        MemorySegment p = panels;
        if (p == null) {
            synchronized (this) {
                p = panels;
                if (p == null) {
                    p = panelStorage();
                    fillPanels(0, Panels.panelRows(rows) / Panels.ROWS);
                    publishPanels();
                }
            }
        }
        return p;
    }

    /** Whether products with this matrix read panels ({@link Panels#applies}), and so the activations' panel form. */
    public boolean panelled() {
        return panelled;
    }

    /** Panel groups still to be built before {@link #panels()} can return at once: all of them, or 0. */
    public int pendingPanelGroups() {
        return panelled && panels == null ? Panels.panelRows(rows) / Panels.ROWS : 0;
    }

    /**
     * For building the panels on several threads (see {@link dev.caravel.tensor.parallel.ParallelMatMul}): the memory
     * they go to, allocated on the first call; then {@link #fillPanels} over disjoint group ranges, then
     * {@link #publishPanels}.
     */
    public synchronized MemorySegment panelStorage() {
        if (!panelled) {
            throw new IllegalStateException(this + " has no panels");
        }
        if (panelStorage == null) {
            panelStorage = Panels.allocate(type, rows, cols, Arena.ofAuto());
        }
        return panelStorage;
    }

    /** Writes panel groups [groupStart, groupEnd) into {@link #panelStorage()}; disjoint ranges may run concurrently. */
    public void fillPanels(int groupStart, int groupEnd) {
        Panels.fill(type, data, rows, cols, panelStorage(), groupStart, groupEnd);
        // the copied rows' mapped pages leave the resident set at once, so the peak stays near the file size
        long first = (long) groupStart * Panels.ROWS * rowBytes;
        releaseMappedPages(data.asSlice(first), (long) (groupEnd - groupStart) * Panels.ROWS * rowBytes);
    }

    /** Makes the filled {@link #panelStorage()} the panels every product reads from now on. */
    public synchronized void publishPanels() {
        if (panels == null) {
            panels = panelStorage();
            if (store != null) {
                store.save(name, type, rows, cols, panels);
            }
        }
    }

    /** Best effort: drops the first {@code bytes} of a mapped segment from the resident set (madvise DONTNEED). */
    private static void releaseMappedPages(MemorySegment data, long bytes) {
        if (data.isMapped() && bytes > 0) {
            try {
                data.asSlice(0, bytes).unload();
            } catch (RuntimeException e) {
                // not worth failing over: the pages are merely kept resident
            }
        }
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
