package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.Activations;

import java.util.Objects;

/**
 * Reusable buffer for the activations of a matrix multiplication, converted to a weight type's
 * {@code vec_dot_type} (Q8_0, Q8_1, Q8_K, F16, BF16 or F32). Sized once for the largest input
 * (maxBatch, maxCols); after the first use of each activation type nothing is allocated.
 *
 * <p>Holds the activations of the last {@link #prepare} call: {@code batch} rows of {@code cols} elements.
 * One scratch per thread that prepares; once prepared, any number of threads may run
 * {@link MatMul#multiplyPrepared} over disjoint row ranges.
 */
public final class MatMulScratch {
    private final int maxCols;
    private final int maxBatch;
    private final ActivationQuantizer.Flavor flavor;
    private final Activations activations;
    private boolean batchNumerics;
    private GgmlType preparedType;
    private int preparedCols;
    private int preparedBatch;

    /** A scratch using ggml's reference activation quantizers. */
    public MatMulScratch(int maxCols, int maxBatch) {
        this(maxCols, maxBatch, ActivationQuantizer.Flavor.REFERENCE);
    }

    /**
     * @param maxCols  the longest activation row (the largest {@code cols} of the matrices used with it)
     * @param maxBatch the most activation rows per call
     * @param flavor   which of ggml's Q8_0/Q8_1 activation quantizers to reproduce
     */
    public MatMulScratch(int maxCols, int maxBatch, ActivationQuantizer.Flavor flavor) {
        if (maxCols <= 0 || maxBatch <= 0) {
            throw new IllegalArgumentException("bad scratch size (" + maxBatch + ", " + maxCols + ")");
        }
        this.maxCols = maxCols;
        this.maxBatch = maxBatch;
        this.flavor = Objects.requireNonNull(flavor, "flavor");
        this.activations = new Activations(Math.multiplyExact(maxCols, maxBatch));
    }

    public int maxCols() {
        return maxCols;
    }

    public int maxBatch() {
        return maxBatch;
    }

    public ActivationQuantizer.Flavor flavor() {
        return flavor;
    }

    /**
     * Whether multiplications with this scratch follow llama.cpp's <em>batched</em> numerics even for a single
     * activation row. llama.cpp evaluates a prompt as one batch, where F32/F16/BF16 weights go through
     * llamafile's tinyBLAS (another summation order than the one-row {@code ggml_vec_dot_*}); an engine that
     * feeds prompt tokens one at a time sets this while it ingests a prompt and clears it to generate, to get
     * llama.cpp's prompt and generation logits bit for bit. Batches of two or more rows always use the batched
     * numerics. Default: off.
     */
    public void setBatchNumerics(boolean on) {
        this.batchNumerics = on;
    }

    /** See {@link #setBatchNumerics}. */
    public boolean batchNumerics() {
        return batchNumerics;
    }

    /** Whether the prepared activations are to be multiplied with the batched numerics (see {@link #setBatchNumerics}). */
    public boolean usesBatchedNumerics() {
        return batchNumerics || preparedBatch >= 2;
    }

    /** The converted activations (row b starts at element {@code b * preparedCols()}). */
    public Activations activations() {
        return activations;
    }

    /** The type of the prepared activations, or {@code null} before the first {@link #prepare}. */
    public GgmlType preparedType() {
        return preparedType;
    }

    public int preparedCols() {
        return preparedCols;
    }

    public int preparedBatch() {
        return preparedBatch;
    }

    /**
     * Converts {@code batch} activation rows — x is (batch, cols) row-major starting at {@code xOffset} — to
     * {@code vecDotType}, each row separately (as llama.cpp does).
     */
    public void prepare(GgmlType vecDotType, float[] x, int xOffset, int batch, int cols) {
        Objects.requireNonNull(vecDotType, "vecDotType");
        if (cols <= 0 || cols > maxCols) {
            throw new IllegalArgumentException("row length " + cols + " outside (0, " + maxCols + "]");
        }
        if (batch <= 0 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside (0, " + maxBatch + "]");
        }
        if (cols % vecDotType.blockSize() != 0) {
            throw new IllegalArgumentException(vecDotType + ": row length " + cols + " is not a multiple of " + vecDotType.blockSize());
        }
        Objects.checkFromIndexSize(xOffset, batch * cols, x.length);
        preparedType = null;
        for (int b = 0; b < batch; b++) {
            ActivationQuantizer.quantize(vecDotType, flavor, x, xOffset + b * cols, cols, activations, b * cols);
        }
        preparedType = vecDotType;
        preparedCols = cols;
        preparedBatch = batch;
    }
}
