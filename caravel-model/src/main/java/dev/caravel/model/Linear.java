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

    /**
     * {@code outA = x A^T + a}, {@code outB = x B^T + b} and, when {@code c} is not null, {@code outC = x C^T + c}
     * for {@code n} rows of x (from offset 0; outputs from offset 0): projections of one input (Q, K, V; gate, up).
     * When they take the same activation type the input is converted once and the workers compute all of them in
     * one dispatch; otherwise one after the other. Same results either way.
     */
    public static void applyAll(Linear a, float[] outA, Linear b, float[] outB, Linear c, float[] outC, float[] x, int n, DecoderState s) {
        WeightMatrix wa = a.weight;
        boolean shared = b.weight.vecDotType() == wa.vecDotType() && b.cols() == a.cols()
                && (c == null || (c.weight.vecDotType() == wa.vecDotType() && c.cols() == a.cols()));
        if (!shared) {
            a.apply(x, 0, n, outA, 0, s);
            b.applyToSameInput(x, 0, n, outB, 0, s);
            if (c != null) {
                c.applyToSameInput(x, 0, n, outC, 0, s);
            }
            return;
        }
        WeightMatrix[] ws = s.fusedMatrices;
        float[][] outs = s.fusedOuts;
        ws[0] = wa;
        outs[0] = outA;
        ws[1] = b.weight;
        outs[1] = outB;
        int count = 2;
        if (c != null) {
            ws[2] = c.weight;
            outs[2] = outC;
            count = 3;
        }
        s.parallel.prepare(ws, count, x, 0, n, s.scratch);
        s.parallel.multiplyPreparedAll(ws, outs, count, s.scratch);
        a.addBias(outA, 0, n);
        b.addBias(outB, 0, n);
        if (c != null) {
            c.addBias(outC, 0, n);
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
