package dev.caravel.tensor.parallel;

import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;

/**
 * {@link MatMul} spread over a {@link WorkerPool}: the activations are converted once by the
 * caller, then each worker multiplies its own contiguous band of weight rows, so every core
 * streams a disjoint part of the matrix. Results are identical to the single-threaded product
 * (each output element is computed by exactly one worker with the same kernel).
 *
 * <p>Holds the current job in fields so dispatching allocates nothing; one instance per thread
 * that drives the pool.
 */
public final class ParallelMatMul implements WorkerPool.Task {
    /** Bands are multiples of this many rows so workers don't share cache lines of the output. */
    private static final int ROW_ALIGN = 16;
    /** Below this many weights a product takes microseconds: waking workers would cost more than it saves. */
    private static final long MIN_PARALLEL_ELEMENTS = 1 << 18;

    private final WorkerPool pool;
    private WeightMatrix w;
    private MatMulScratch scratch;
    private float[] out;
    private int outOffset;
    /** {@link #multiplyPreparedAll}: the products of one dispatch (w/out above unused then). */
    private WeightMatrix[] ws;
    private float[][] outs;
    private int count;

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

    @Override
    public void run(int worker, int workers) {
        if (ws != null) {
            for (int i = 0; i < count; i++) {
                band(ws[i], outs[i], 0, worker, workers);
            }
            return;
        }
        band(w, out, outOffset, worker, workers);
    }

    /** Worker {@code worker}'s contiguous band of {@code w}'s rows. */
    private void band(WeightMatrix w, float[] out, int outOffset, int worker, int workers) {
        int rows = w.rows();
        int blocks = (rows + ROW_ALIGN - 1) / ROW_ALIGN;
        int start = (int) ((long) blocks * worker / workers) * ROW_ALIGN;
        int end = Math.min(rows, (int) ((long) blocks * (worker + 1) / workers) * ROW_ALIGN);
        if (start < end) {
            MatMul.multiplyPrepared(w, scratch, out, outOffset, start, end);
        }
    }
}
