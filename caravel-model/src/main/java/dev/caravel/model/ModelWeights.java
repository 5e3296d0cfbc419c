package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.tensor.WeightMatrix;

/**
 * Looks up a model's tensors by GGUF name and checks their shapes.
 *
 * <p>Matrices stay zero-copy views over the mapped file. 1-D tensors (norm weights, biases) are
 * small and are dequantized once into float arrays. A missing or mis-shaped tensor is a
 * {@link ModelException} naming the file, the tensor and both shapes.
 */
public final class ModelWeights {
    private final GgufFile file;
    /** Where the matrices' panels are kept between runs ({@link PanelCache}), or {@code null}. */
    private final dev.caravel.tensor.PanelStore panelStore;

    public ModelWeights(GgufFile file) {
        this.file = file;
        this.panelStore = PanelCache.forFile(file);
    }

    public GgufFile file() {
        return file;
    }

    public boolean has(String name) {
        return file.tensor(name) != null;
    }

    private GgufTensorInfo require(String name) {
        GgufTensorInfo t = file.tensor(name);
        if (t == null) {
            throw new ModelException(file.path().getFileName() + ": tensor '" + name + "' is missing");
        }
        if (!t.type().supported()) {
            throw new ModelException(file.path().getFileName() + ": tensor '" + name + "' has type " + t.type()
                    + ", which Caravel does not support yet (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K-Q6_K)");
        }
        return t;
    }

    private ModelException badShape(GgufTensorInfo t, String expected) {
        return new ModelException(file.path().getFileName() + ": tensor '" + t.name() + "' has shape " + t.shape()
                + ", expected " + expected);
    }

    /** A matrix with {@code rows} rows of {@code cols} elements (GGUF dims {@code [cols, rows]}). */
    public WeightMatrix matrix(String name, int rows, int cols) {
        GgufTensorInfo t = require(name);
        long[] d = t.dims();
        boolean ok = d[0] == cols && (d.length == 1 ? rows == 1 : d[1] == rows);
        for (int i = 2; i < d.length; i++) {
            ok &= d[i] == 1;
        }
        if (!ok) {
            throw badShape(t, "[" + cols + ", " + rows + "]");
        }
        return new WeightMatrix(t.type(), file.tensorData(t), rows, cols, panelStore, t.name());
    }

    /** A vector of exactly {@code n} elements, dequantized to float. */
    public float[] vector(String name, int n) {
        GgufTensorInfo t = require(name);
        if (t.elementCount() != n || t.dims()[0] != n) {
            throw badShape(t, "[" + n + "]");
        }
        float[] out = new float[n];
        new WeightMatrix(t.type(), file.tensorData(t), 1, n).dequantizeRow(0, out, 0);
        return out;
    }

    public float[] vectorOrNull(String name, int n) {
        return has(name) ? vector(name, n) : null;
    }

    /** Rows of the first dimension-1 of a tensor, for reading the vocabulary size off the embedding. */
    public int rowsOf(String name) {
        GgufTensorInfo t = require(name);
        return t.dims().length < 2 ? 1 : (int) t.dims()[1];
    }

    public static String blk(int layer, String suffix) {
        return "blk." + layer + "." + suffix;
    }
}
