package dev.caravel.model;

import dev.caravel.tensor.parallel.WorkerPool;

/**
 * The gated activation ({@code act(gate) · up}, SiLU or GELU) of a chunk's rows on the worker pool, a row an item.
 * Run on the caller alone it left the other workers waiting between the gate/up and down products (a few per cent
 * of prompt time on two threads). Each row's result depends on that row alone, so any split gives the same bits.
 *
 * <p>One per {@link DecoderState}; the fields describe the current job and are set before each dispatch, so
 * nothing is allocated.
 */
final class GatedActivationRows implements WorkerPool.Items {
    /** Rows below this many go on the calling thread: waking the workers would cost more than it saves. */
    private static final int MIN_PARALLEL_ROWS = 4;

    private float[] gate;
    private float[] up;
    private int upOffset;
    private int upStride;
    private float[] copyFrom;
    private int ffn;
    private boolean gelu;

    /**
     * For rows r &lt; n: when {@code copyFrom} is not null, first {@code gate[r·ffn ..] = copyFrom[r·2ffn ..]} (the
     * gate half of a fused gate|up row); then {@code gate[r·ffn + i] = act(gate[r·ffn + i]) · up[upOffset + r·upStride + i]}.
     */
    void run(WorkerPool pool, float[] gate, float[] copyFrom, float[] up, int upOffset, int upStride, int ffn, boolean gelu, int n) {
        this.gate = gate;
        this.copyFrom = copyFrom;
        this.up = up;
        this.upOffset = upOffset;
        this.upStride = upStride;
        this.ffn = ffn;
        this.gelu = gelu;
        try {
            if (n < MIN_PARALLEL_ROWS) { // (a pool of one runs the items on the caller itself)
                for (int r = 0; r < n; r++) {
                    run(r, 0);
                }
            } else {
                pool.runEach(n, this);
            }
        } finally {
            this.gate = null;
            this.copyFrom = null;
            this.up = null;
        }
    }

    @Override
    public void run(int row, int worker) {
        int off = row * ffn;
        if (copyFrom != null) {
            System.arraycopy(copyFrom, row * 2 * ffn, gate, off, ffn);
        }
        int upOff = upOffset + row * upStride;
        if (gelu) {
            Ops.geglu(gate, off, up, upOff, ffn);
        } else {
            Ops.swiglu(gate, off, up, upOff, ffn);
        }
    }
}
