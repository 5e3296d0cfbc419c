package dev.caravel.tensor.parallel;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;

/**
 * {@link MatMul} spread over a {@link WorkerPool}: the activations are converted once (see {@link #prepare}),
 * then the workers claim contiguous bands of weight rows, long ones first and single 16-row blocks last
 * ({@link #plan}), from a shared counter until none is left, so every core streams disjoint parts
 * of the matrix and a core that is slowed down (by another thread, or by the caller's serial work)
 * takes fewer bands instead of holding the others up. Results are identical to the single-threaded
 * product (each output element is computed by exactly one worker with the same kernel, and bands
 * are whole panel groups).
 *
 * <p>Holds the current job in fields so dispatching allocates nothing; one instance per thread
 * that drives the pool.
 */
public final class ParallelMatMul implements WorkerPool.Task {
    /** Bands are multiples of this many rows so workers don't share cache lines of the output. */
    private static final int ROW_ALIGN = 16;
    /** Below this many weights a product takes microseconds: waking workers would cost more than it saves. */
    private static final long MIN_PARALLEL_ELEMENTS = 1 << 18;
    /** The most products one dispatch takes ({@link #multiplyPreparedAll}). */
    private static final int MAX_PRODUCTS = 8;
    /** The most bands one dispatch is cut into (guided bands of a dispatch number a few dozen). */
    private static final int MAX_BANDS = 512;

    /** Rows a worker converts at a time in {@link #prepare}: a group of the eight-row kernels' interleaved form. */
    private static final int PREPARE_ROWS = 8;

    private final WorkerPool pool;
    /** One matrix as a one-element list, for {@link #prepare} and {@link #plan} (set around the call only). */
    private final WeightMatrix[] one = new WeightMatrix[1];
    private final PrepareRows converter = new PrepareRows();
    private WeightMatrix w;
    private MatMulScratch scratch;
    private float[] out;
    private int outOffset;
    /** {@link #multiplyPreparedAll}: the products of one dispatch (w/out above unused then). */
    private WeightMatrix[] ws;
    private float[][] outs;
    private int count;
    /** The next band to claim, an index into the plan below. */
    private final java.util.concurrent.atomic.AtomicInteger nextBand = new java.util.concurrent.atomic.AtomicInteger();
    /** The current dispatch's bands, in claiming order: band k is rows [bandStart[k], bandEnd[k]) of product bandProduct[k]. */
    private final int[] bandProduct = new int[MAX_BANDS];
    private final int[] bandStart = new int[MAX_BANDS];
    private final int[] bandEnd = new int[MAX_BANDS];
    private int bands;

    public ParallelMatMul(WorkerPool pool) {
        this.pool = pool;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** {@code out = W x} for n activation rows, as {@link MatMul#matmul}, using every worker. */
    public void matmul(WeightMatrix w, float[] x, int xOffset, int n, float[] out, int outOffset, MatMulScratch scratch) {
        one[0] = w;
        prepare(one, 1, x, xOffset, n, scratch);
        one[0] = null;
        multiplyPrepared(w, scratch, out, outOffset);
    }

    /**
     * Converts x (n rows of {@code ws[0].cols()} from {@code xOffset}) for products with {@code ws[0..count)}, which
     * share their vec_dot_type and cols, as {@link MatMul#prepare} does, with the same bits. A prompt chunk's rows
     * are converted on every worker, {@link #PREPARE_ROWS} rows an item, together with the panel forms that those
     * matrices read: on one thread this serial step left the other workers waiting (a tenth of prompt time on two
     * threads). A few rows (decoding) are converted on the calling thread.
     */
    public void prepare(WeightMatrix[] ws, int count, float[] x, int xOffset, int n, MatMulScratch scratch) {
        WeightMatrix first = ws[0];
        int items = (n + PREPARE_ROWS - 1) / PREPARE_ROWS;
        if (pool.size() == 1 || items < 2) {
            MatMul.prepare(first, x, xOffset, n, scratch);
            return;
        }
        long panelForms = 0;
        for (int i = 0; i < count; i++) {
            if (ws[i].vecDotType() != first.vecDotType() || ws[i].cols() != first.cols()) {
                throw new IllegalArgumentException(ws[i] + " does not share the activations of " + first);
            }
            if (ws[i].panelled()) {
                panelForms |= 1L << ws[i].type().ordinal();
            }
        }
        scratch.startPrepare(first.vecDotType(), x, xOffset, n, first.cols(), panelForms);
        converter.start(first.vecDotType(), x, xOffset, n, first.cols(), panelForms, scratch);
        try {
            pool.runEach(items, converter);
        } finally {
            converter.x = null;
            converter.scratch = null;
        }
        scratch.finishPrepare(first.vecDotType(), n, first.cols(), panelForms);
    }

    /** The items of a split {@link #prepare}: item i converts rows {@code [8i, 8i + 8)}. Fields set per dispatch. */
    private static final class PrepareRows implements WorkerPool.Items {
        GgmlType type;
        float[] x;
        int xOffset;
        int batch;
        int cols;
        long panelForms;
        MatMulScratch scratch;

        void start(GgmlType type, float[] x, int xOffset, int batch, int cols, long panelForms, MatMulScratch scratch) {
            this.type = type;
            this.x = x;
            this.xOffset = xOffset;
            this.batch = batch;
            this.cols = cols;
            this.panelForms = panelForms;
            this.scratch = scratch;
        }

        @Override
        public void run(int item, int worker) {
            int start = item * PREPARE_ROWS;
            scratch.prepareRows(type, x, xOffset, batch, cols, panelForms, start, Math.min(batch, start + PREPARE_ROWS));
        }
    }

    public void matvec(WeightMatrix w, float[] x, int xOffset, float[] out, int outOffset, MatMulScratch scratch) {
        matmul(w, x, xOffset, 1, out, outOffset, scratch);
    }

    /** Multiplies already-prepared activations (see {@link MatMul#prepare}) with every worker. */
    public void multiplyPrepared(WeightMatrix w, MatMulScratch prepared, float[] out, int outOffset) {
        if (w.pendingPanelGroups() > 0 && pool.size() > 1) {
            buildPanels(w);
        }
        if (pool.size() == 1 || w.rows() < 2 * ROW_ALIGN || (long) w.rows() * w.cols() < MIN_PARALLEL_ELEMENTS) {
            MatMul.multiplyPrepared(w, prepared, out, outOffset, 0, w.rows());
            return;
        }
        this.w = w;
        this.scratch = prepared;
        this.out = out;
        this.outOffset = outOffset;
        one[0] = w;
        plan(one, 1);
        one[0] = null;
        try {
            pool.run(this);
        } finally {
            this.w = null;
            this.scratch = null;
            this.out = null;
        }
    }

    /**
     * Several products of the same prepared activations in one dispatch (Q, K and V of one input, gate and up):
     * every worker multiplies its band of each matrix, so the workers meet once instead of once per matrix.
     * {@code out[i]} gets {@code ws[i] x} from offset 0, for i &lt; count; the results are those of
     * {@link #multiplyPrepared} matrix by matrix. The arrays are read during the call only.
     */
    public void multiplyPreparedAll(WeightMatrix[] ws, float[][] outs, int count, MatMulScratch prepared) {
        if (count > MAX_PRODUCTS) {
            throw new IllegalArgumentException("at most " + MAX_PRODUCTS + " products a dispatch, got " + count);
        }
        if (pool.size() == 1) {
            for (int i = 0; i < count; i++) {
                MatMul.multiplyPrepared(ws[i], prepared, outs[i], 0, 0, ws[i].rows());
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            if (ws[i].pendingPanelGroups() > 0) {
                buildPanels(ws[i]);
            }
        }
        this.ws = ws;
        this.outs = outs;
        this.count = count;
        this.scratch = prepared;
        plan(ws, count);
        try {
            pool.run(this);
        } finally {
            this.ws = null;
            this.outs = null;
            this.scratch = null;
        }
    }

    /** The first product with a panelled matrix: every worker writes its share of the panels (a one-time copy). */
    private void buildPanels(WeightMatrix w) {
        w.panelStorage();
        int groups = w.pendingPanelGroups();
        pool.run((worker, workers) -> w.fillPanels((int) ((long) groups * worker / workers), (int) ((long) groups * (worker + 1) / workers)));
        w.publishPanels();
    }

    /**
     * Cuts the products {@code ms[0..products)} into bands of whole 16-row blocks, in claiming order. Guided: each band
     * takes a quarter (two workers) of the blocks still to be claimed in the whole dispatch, at least one, so the
     * first bands are long and the last ones a block each: a worker that finishes early then waits at most for one
     * short band of another. Against eight equal bands a matrix, two threads, alternating runs: prompt speed +5–10%
     * on qwen2.5-0.5b and smollm2-135m (Q4_0), 5 of 6 pairs; decoding the same.
     */
    private void plan(WeightMatrix[] ms, int products) {
        long remaining = 0;
        for (int i = 0; i < products; i++) {
            remaining += blocks(ms[i]);
        }
        long divisor = 2L * pool.size();
        int k = 0;
        for (int i = 0; i < products; i++) {
            int rows = ms[i].rows();
            int blocks = blocks(ms[i]);
            for (int done = 0; done < blocks; ) {
                int size = (int) Math.min(blocks - done, Math.max(1, (remaining + divisor - 1) / divisor));
                if (k >= MAX_BANDS - (products - i)) {
                    size = blocks - done; // (unreachable for real shapes) the rest in one band, a slot left for each later product
                }
                bandProduct[k] = i;
                bandStart[k] = done * ROW_ALIGN;
                bandEnd[k] = Math.min(rows, (done + size) * ROW_ALIGN);
                k++;
                done += size;
                remaining -= size;
            }
        }
        bands = k;
        nextBand.set(0);
    }

    private static int blocks(WeightMatrix m) {
        return (m.rows() + ROW_ALIGN - 1) / ROW_ALIGN;
    }

    @Override
    public void run(int worker, int workers) {
        int total = bands;
        for (int k; (k = nextBand.getAndIncrement()) < total; ) {
            if (ws != null) {
                WeightMatrix m = ws[bandProduct[k]];
                MatMul.multiplyPrepared(m, scratch, outs[bandProduct[k]], 0, bandStart[k], bandEnd[k]);
            } else {
                MatMul.multiplyPrepared(w, scratch, out, outOffset, bandStart[k], bandEnd[k]);
            }
        }
    }
}
