package dev.caravel.tensor.parallel;

import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;

/**
 * {@link MatMul} spread over a {@link WorkerPool}: the activations are converted once by the
 * caller, then the workers claim contiguous bands of weight rows (about {@link #BANDS_PER_WORKER} a
 * worker and matrix) from a shared counter until none is left, so every core streams disjoint parts
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
    /**
     * Bands a worker claims of a matrix, on average. Measured on decoding with 2 workers, equal fixed halves left
     * the pool's thread waiting for the caller's half about a fifth of the time.
     */
    static final int BANDS_PER_WORKER = 4;
    /** The most products one dispatch takes ({@link #multiplyPreparedAll}). */
    private static final int MAX_PRODUCTS = 8;

    private final WorkerPool pool;
    private WeightMatrix w;
    private MatMulScratch scratch;
    private float[] out;
    private int outOffset;
    /** {@link #multiplyPreparedAll}: the products of one dispatch (w/out above unused then). */
    private WeightMatrix[] ws;
    private float[][] outs;
    private int count;
    /** The next band to claim; bands are numbered over the dispatch's products, see {@link #bandEnds}. */
    private final java.util.concurrent.atomic.AtomicInteger nextBand = new java.util.concurrent.atomic.AtomicInteger();
    /** {@code bandEnds[i]}: the number of bands of products 0..i of the current dispatch. */
    private final int[] bandEnds = new int[MAX_PRODUCTS];
    /** Per product of the current dispatch: its number of bands and the number of 16-row blocks they split. */
    private final int[] bandCount = new int[MAX_PRODUCTS];

    public ParallelMatMul(WorkerPool pool) {
        this.pool = pool;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** {@code out = W x} for n activation rows, as {@link MatMul#matmul}, using every worker. */
    public void matmul(WeightMatrix w, float[] x, int xOffset, int n, float[] out, int outOffset, MatMulScratch scratch) {
        MatMul.prepare(w, x, xOffset, n, scratch);
        multiplyPrepared(w, scratch, out, outOffset);
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
        planBands(0, w);
        finishPlan(1);
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
        for (int i = 0; i < count; i++) {
            planBands(i, ws[i]);
        }
        finishPlan(count);
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

    /** Product {@code i}'s number of bands: about {@link #BANDS_PER_WORKER} a worker, at least 16 rows each. */
    private void planBands(int i, WeightMatrix m) {
        int blocks = (m.rows() + ROW_ALIGN - 1) / ROW_ALIGN;
        bandCount[i] = Math.max(1, Math.min(blocks, pool.size() * BANDS_PER_WORKER));
    }

    private void finishPlan(int products) {
        int total = 0;
        for (int i = 0; i < products; i++) {
            total += bandCount[i];
            bandEnds[i] = total;
        }
        nextBand.set(0);
    }

    @Override
    public void run(int worker, int workers) {
        int products = ws != null ? count : 1;
        int total = bandEnds[products - 1];
        int i = 0;
        for (int band; (band = nextBand.getAndIncrement()) < total; ) {
            while (band >= bandEnds[i]) {
                i++;
            }
            int first = i == 0 ? 0 : bandEnds[i - 1];
            if (ws != null) {
                band(ws[i], outs[i], 0, band - first, bandCount[i]);
            } else {
                band(w, out, outOffset, band - first, bandCount[i]);
            }
        }
    }

    /** Band {@code band} of {@code bands} of {@code w}'s rows, in whole 16-row blocks. */
    private void band(WeightMatrix w, float[] out, int outOffset, int band, int bands) {
        int rows = w.rows();
        int blocks = (rows + ROW_ALIGN - 1) / ROW_ALIGN;
        int start = (int) ((long) blocks * band / bands) * ROW_ALIGN;
        int end = Math.min(rows, (int) ((long) blocks * (band + 1) / bands) * ROW_ALIGN);
        if (start < end) {
            MatMul.multiplyPrepared(w, scratch, out, outOffset, start, end);
        }
    }
}
