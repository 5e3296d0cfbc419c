package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.Panels;
import dev.caravel.tensor.kernel.VectorWidth;

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
    /** {@code GgmlType.values()} once: the panel-form bit masks index it (values() copies the array each call). */
    private static final GgmlType[] TYPES = GgmlType.values();
    private final int maxCols;
    private final int maxBatch;
    private final ActivationQuantizer.Flavor flavor;
    private final Activations activations;
    private final Numerics numerics;
    /** FAST: the activations as given (batch, cols). */
    private final float[] floats;
    private boolean batchNumerics;
    private boolean independentRows;
    private GgmlType preparedType;
    private int preparedCols;
    private int preparedBatch;
    /**
     * The forms that only some kernels read are filled on first use after each {@link #prepare}: the row kernels'
     * ({@link ActivationQuantizer#fillVectorForms}) and the panel kernels' ({@link Panels#prepareActivations}).
     * A Q4_0 model whose matrices all have panels never pays for the row kernels' forms, and vice versa.
     */
    private volatile boolean rowFormsReady;
    /** Bit {@code 1 << type.ordinal()} set: the panel form that {@code type}'s panels read is filled. */
    private volatile long panelFormsReady;

    /**
     * How products are computed.
     * <ul>
     *   <li>{@link #LLAMA_CPP} (the default): activations rounded to the weight type's {@code vec_dot_type} and
     *       the dot products summed in llama.cpp's x86 SIMD order — llama.cpp's logits bit for bit.</li>
     *   <li>{@link #FAST} ({@code -Dcaravel.numerics=fast}): the same rounded activations, multiplied in float with
     *       exactly dequantized weights and summed in vector lanes (see {@link dev.caravel.tensor.fast.FloatLanes});
     *       the same bits whatever the batch size or thread split, and 2–3× faster prompt processing. Its logits
     *       are within float rounding of llama.cpp's, but that is not bit for bit: on the random test models,
     *       whose logits are nearly tied, a rounding difference now and then flips an activation's 8-bit rounding
     *       and then a greedy choice, which breaks the reference bound "first 8 greedy ids equal" on 6 of 69
     *       reference files. Hence opt-in until its kernels reproduce llama.cpp's integer sums.</li>
     * </ul>
     */
    public enum Numerics {
        FAST, LLAMA_CPP;

        /** {@code caravel.numerics} ({@code fast} or {@code llama.cpp}); LLAMA_CPP when unset. */
        public static Numerics fromProperty() {
            String v = System.getProperty("caravel.numerics", "llama.cpp").trim();
            if (v.equalsIgnoreCase("llama.cpp") || v.equalsIgnoreCase("llama_cpp") || v.equalsIgnoreCase("exact")) {
                return LLAMA_CPP;
            }
            if (v.equalsIgnoreCase("fast")) {
                return FAST;
            }
            throw new IllegalArgumentException("caravel.numerics must be 'fast' or 'llama.cpp', got '" + v + "'");
        }
    }

    /** A scratch using ggml's reference activation quantizers (llama.cpp numerics). */
    public MatMulScratch(int maxCols, int maxBatch) {
        this(maxCols, maxBatch, ActivationQuantizer.Flavor.REFERENCE, Numerics.LLAMA_CPP);
    }

    /** A scratch with llama.cpp numerics and the given activation quantizer flavor. */
    public MatMulScratch(int maxCols, int maxBatch, ActivationQuantizer.Flavor flavor) {
        this(maxCols, maxBatch, flavor, Numerics.LLAMA_CPP);
    }

    /** A scratch with the given numerics ({@link Numerics#LLAMA_CPP} reproduces ggml's x86 SIMD quantizers). */
    public MatMulScratch(int maxCols, int maxBatch, Numerics numerics) {
        this(maxCols, maxBatch, ActivationQuantizer.Flavor.X86_SIMD, numerics);
    }

    /**
     * @param maxCols  the longest activation row (the largest {@code cols} of the matrices used with it)
     * @param maxBatch the most activation rows per call
     * @param flavor   which of ggml's Q8_0/Q8_1 activation quantizers to reproduce (llama.cpp numerics)
     * @param numerics how products are computed
     */
    public MatMulScratch(int maxCols, int maxBatch, ActivationQuantizer.Flavor flavor, Numerics numerics) {
        if (maxCols <= 0 || maxBatch <= 0) {
            throw new IllegalArgumentException("bad scratch size (" + maxBatch + ", " + maxCols + ")");
        }
        this.maxCols = maxCols;
        this.maxBatch = maxBatch;
        this.flavor = Objects.requireNonNull(flavor, "flavor");
        this.numerics = Objects.requireNonNull(numerics, "numerics");
        this.activations = new Activations(Math.multiplyExact(maxCols, maxBatch));
        this.floats = numerics == Numerics.FAST ? new float[Math.multiplyExact(maxCols, maxBatch)] : null;
    }

    public Numerics numerics() {
        return numerics;
    }

    /**
     * FAST numerics: the activations after llama.cpp's rounding to the vec_dot_type (Q8 blocks, F16, BF16), turned
     * back into floats. The fast kernels multiply in float, but rounding the inputs exactly as llama.cpp does
     * keeps their logits within float-rounding distance of llama.cpp's — on random test models, whose logits are
     * nearly tied, skipping it flips greedy choices.
     */
    private void roundedToFloats(GgmlType type, int from, int to) {
        switch (type) {
            case Q8_0, Q8_1 -> {
                byte[] qs = activations.qs();
                float[] d = activations.d();
                for (int e = from; e < to; e++) {
                    floats[e] = qs[e] * d[e >> 5];
                }
            }
            case Q8_K -> {
                byte[] qs = activations.qs();
                float[] d = activations.d();
                for (int e = from; e < to; e++) {
                    floats[e] = qs[e] * d[e >> 8];
                }
            }
            case F16 -> {
                short[] h = activations.half();
                for (int e = from; e < to; e++) {
                    floats[e] = Float.float16ToFloat(h[e]);
                }
            }
            case BF16 -> {
                short[] h = activations.half();
                for (int e = from; e < to; e++) {
                    floats[e] = Float.intBitsToFloat((h[e] & 0xFFFF) << 16);
                }
            }
            default -> throw new IllegalArgumentException("not an activation type: " + type);
        }
    }

    /** FAST numerics: the prepared activations, (batch, cols) row-major from index 0. */
    public float[] floats() {
        return floats;
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

    /**
     * Continuous batching: rows of a batch belong to different sequences, and each must come out exactly as
     * if it had been evaluated alone (one-row numerics), so that a request's output never depends on what it
     * was batched with. Overrides {@link #setBatchNumerics}. Default: off.
     */
    public void setIndependentRows(boolean on) {
        this.independentRows = on;
    }

    /** Whether the prepared activations are to be multiplied with the batched numerics (see {@link #setBatchNumerics}). */
    public boolean usesBatchedNumerics() {
        return !independentRows && (batchNumerics || preparedBatch >= 2);
    }

    /**
     * The converted activations (row b starts at element {@code b * preparedCols()}), with the forms the row kernels
     * read, filled on the first call after {@link #prepare}. Safe to call from several threads at once.
     */
    public Activations activations() {
        if (!rowFormsReady) {
            synchronized (this) {
                if (!rowFormsReady) {
                    if (preparedType != null && preparedType != GgmlType.F32) {
                        ActivationQuantizer.fillVectorForms(preparedType, activations, 0, preparedBatch * preparedCols);
                    }
                    rowFormsReady = true;
                }
            }
        }
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
        startPrepare(vecDotType, x, xOffset, batch, cols, 0);
        prepareRows(vecDotType, x, xOffset, batch, cols, 0, 0, batch);
        finishPrepare(vecDotType, batch, cols, 0);
    }

    /**
     * The first of the three steps of {@link #prepare} split over threads: checks the arguments, forgets the previous
     * activations and reserves the panel forms named by {@code panelForms} (bit {@code 1 << type.ordinal()} for each
     * weight type whose panels will read these activations; their form is then filled with the rows instead of on
     * first use). Then {@link #prepareRows} over row ranges that cover the batch (any threads, disjoint ranges, each
     * starting at a multiple of 8), then {@link #finishPrepare} on this thread. Same bits as {@link #prepare}.
     */
    public void startPrepare(GgmlType vecDotType, float[] x, int xOffset, int batch, int cols, long panelForms) {
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
        if (numerics != Numerics.FAST || vecDotType != GgmlType.F32) {
            // the arrays exist before the rows are converted: allocated lazily by each thread that converts rows, two
            // workers could each put a new array in place and one of them write its rows into the lost one
            activations.reserve(vecDotType);
        }
        for (long bits = panelForms; bits != 0; bits &= bits - 1) {
            GgmlType weightType = TYPES[Long.numberOfTrailingZeros(bits)];
            checkPanelForm(weightType, vecDotType);
            Panels.reserveActivationForm(weightType, activations);
        }
    }

    /**
     * Converts rows {@code [rowStart, rowEnd)} of the batch that {@link #startPrepare} began (same arguments), and fills
     * their panel forms for the weight types of {@code panelForms}. Disjoint ranges may run on several threads at once.
     */
    public void prepareRows(GgmlType vecDotType, float[] x, int xOffset, int batch, int cols, long panelForms, int rowStart, int rowEnd) {
        if (numerics == Numerics.FAST && vecDotType == GgmlType.F32) {
            System.arraycopy(x, xOffset + rowStart * cols, floats, rowStart * cols, (rowEnd - rowStart) * cols);
            return;
        }
        for (int b = rowStart; b < rowEnd; b++) {
            ActivationQuantizer.quantize(vecDotType, flavor, x, xOffset + b * cols, cols, activations, b * cols, false);
        }
        if (numerics == Numerics.FAST) {
            roundedToFloats(vecDotType, rowStart * cols, rowEnd * cols);
        }
        for (long bits = panelForms; bits != 0; bits &= bits - 1) {
            Panels.prepareActivationRows(TYPES[Long.numberOfTrailingZeros(bits)], activations, batch, cols, rowStart, rowEnd);
        }
    }

    /** Publishes the activations that {@link #prepareRows} converted: the last step of a split {@link #prepare}. */
    public void finishPrepare(GgmlType vecDotType, int batch, int cols, long panelForms) {
        rowFormsReady = false;
        panelFormsReady = panelForms;
        preparedType = vecDotType;
        preparedCols = cols;
        preparedBatch = batch;
    }

    /** The activation type that the panels of {@code weightType} read: Q8_K for the K-quants, Q8_0 for the others. */
    private static GgmlType panelActivationType(GgmlType weightType) {
        return switch (weightType) {
            case Q4_K, Q5_K, Q6_K -> GgmlType.Q8_K;
            default -> GgmlType.Q8_0;
        };
    }

    private static void checkPanelForm(GgmlType weightType, GgmlType activationType) {
        GgmlType needed = panelActivationType(weightType);
        if (activationType != needed || !VectorWidth.enabled()) {
            throw new IllegalStateException("panels of " + weightType + " need " + needed
                    + " activations and the Vector API kernels, not " + activationType);
        }
    }

    /**
     * The prepared activations with the form that the panels of {@code weightType} read ({@link Panels}; Q8_0
     * activations for Q4_0, Q5_0 and Q8_0 weights, Q8_K for the K-quants), filled on the first call for that type
     * after {@link #prepare}. Safe to call from several threads at once.
     */
    public Activations panelActivations(GgmlType weightType) {
        long bit = 1L << weightType.ordinal();
        if ((panelFormsReady & bit) == 0) {
            synchronized (this) {
                if ((panelFormsReady & bit) == 0) {
                    checkPanelForm(weightType, preparedType);
                    Panels.prepareActivations(weightType, activations, preparedBatch, preparedCols);
                    panelFormsReady |= bit;
                }
            }
        }
        return activations;
    }
}
