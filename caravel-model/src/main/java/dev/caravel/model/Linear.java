package dev.caravel.model;

import dev.caravel.tensor.MatMul;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;

/**
 * A projection {@code y = W x (+ b)}: a weight matrix view plus an optional bias.
 *
 * <p>The only place the model talks to the matrix kernels, so kernels can change without touching
 * the architectures.
 */
public record Linear(WeightMatrix weight, float[] bias) {

    public int rows() {
        return weight.rows();
    }

    public int cols() {
        return weight.cols();
    }

    /**
     * {@code out = x W^T + b} for {@code n} rows on the state's worker threads: x is (n, cols) at
     * {@code xOff}, out is (n, rows) at {@code outOff}; the weights are read once for all rows.
     */
    public void apply(float[] x, int xOff, int n, float[] out, int outOff, DecoderState s) {
        s.parallel.matmul(weight, x, xOff, n, out, outOff, s.scratch);
        addBias(out, outOff, n);
    }

    /**
     * As {@link #apply(float[], int, int, float[], int, DecoderState)} for an input that the previous product on
     * {@code s} also read, unchanged since (K and V after Q, up after gate): when that product left activations of
     * this matrix's type in the scratch, they are used again instead of being converted a second time.
     */
    public void applyToSameInput(float[] x, int xOff, int n, float[] out, int outOff, DecoderState s) {
        MatMulScratch prepared = s.scratch;
        if (prepared.preparedType() == weight.vecDotType() && prepared.preparedCols() == weight.cols() && prepared.preparedBatch() == n) {
            s.parallel.multiplyPrepared(weight, prepared, out, outOff);
            addBias(out, outOff, n);
        } else {
            apply(x, xOff, n, out, outOff, s);
        }
    }

    private void addBias(float[] out, int outOff, int n) {
        if (bias != null) {
            int rows = weight.rows();
            for (int r = 0; r < n; r++) {
                Ops.add(out, outOff + r * rows, bias, 0, rows);
            }
        }
    }

    /** {@code out[outOff .. outOff+rows) = W x[xOff .. xOff+cols) + b} on the calling thread. */
    public void apply(float[] x, int xOff, float[] out, int outOff, MatMulScratch scratch) {
        MatMul.matvec(weight, x, xOff, out, outOff, scratch);
        if (bias != null) {
            Ops.add(out, outOff, bias, 0, bias.length);
        }
    }

    /** Loads {@code prefix.weight} (rows, cols) and, if present, {@code prefix.bias} (rows). */
    public static Linear load(ModelWeights w, String prefix, int rows, int cols) {
        return new Linear(w.matrix(prefix + ".weight", rows, cols), w.vectorOrNull(prefix + ".bias", rows));
    }

    public static Linear loadOrNull(ModelWeights w, String prefix, int rows, int cols) {
        return w.has(prefix + ".weight") ? load(w, prefix, rows, cols) : null;
    }
}
