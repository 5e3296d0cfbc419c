package dev.caravel.model.arch;

import dev.caravel.model.ConfigReader;
import dev.caravel.model.EmbeddingModel;
import dev.caravel.model.Linear;
import dev.caravel.model.ModelConfig;
import dev.caravel.model.ModelWeights;
import dev.caravel.model.Ops;
import dev.caravel.model.PoolingType;
import dev.caravel.model.RopeType;
import dev.caravel.tensor.MatMulScratch;
import dev.caravel.tensor.WeightMatrix;

import static dev.caravel.model.ModelWeights.blk;

/**
 * BERT encoder for sentence embeddings (bge, MiniLM, …): word + position + token-type-0
 * embeddings with LayerNorm, then post-norm blocks — {@code x = LN(x + attn(x))},
 * {@code x = LN(x + W2·gelu(W1·x))} — with bidirectional attention.
 */
public final class BertModel implements EmbeddingModel {
    private final ModelConfig config;
    private final PoolingType pooling;
    private final WeightMatrix tokenEmbedding;    // (vocab, dim)
    private final WeightMatrix positionEmbedding; // (context, dim)
    private final float[] tokenType0;             // (dim)
    private final float[] embNormW;
    private final float[] embNormB;
    private final Linear[] wq;
    private final Linear[] wk;
    private final Linear[] wv;
    private final Linear[] wo;
    private final float[][] attnNormW;
    private final float[][] attnNormB;
    private final Linear[] up;
    private final Linear[] down;
    private final float[][] outNormW;
    private final float[][] outNormB;

    public BertModel(ModelWeights w) {
        this.config = ConfigReader.read(w.file().meta(), w, RopeType.NONE, false);
        ModelConfig c = config;
        this.pooling = PoolingType.fromGguf(w.file().meta().integer(c.architecture() + ".pooling_type").orElse(0L));
        tokenEmbedding = w.matrix("token_embd.weight", c.vocabSize(), c.dim());
        positionEmbedding = w.matrix("position_embd.weight", c.contextLength(), c.dim());
        if (w.has("token_types.weight")) {
            tokenType0 = new float[c.dim()];
            w.matrix("token_types.weight", w.rowsOf("token_types.weight"), c.dim()).dequantizeRow(0, tokenType0, 0);
        } else {
            tokenType0 = null;
        }
        embNormW = w.vector("token_embd_norm.weight", c.dim());
        embNormB = w.vector("token_embd_norm.bias", c.dim());
        int n = c.layers();
        wq = new Linear[n];
        wk = new Linear[n];
        wv = new Linear[n];
        wo = new Linear[n];
        attnNormW = new float[n][];
        attnNormB = new float[n][];
        up = new Linear[n];
        down = new Linear[n];
        outNormW = new float[n][];
        outNormB = new float[n][];
        for (int l = 0; l < n; l++) {
            wq[l] = Linear.load(w, blk(l, "attn_q"), c.qDim(), c.dim());
            wk[l] = Linear.load(w, blk(l, "attn_k"), c.kvDim(), c.dim());
            wv[l] = Linear.load(w, blk(l, "attn_v"), c.vDim(), c.dim());
            wo[l] = Linear.load(w, blk(l, "attn_output"), c.dim(), c.heads() * c.valueDim());
            attnNormW[l] = w.vector(blk(l, "attn_output_norm.weight"), c.dim());
            attnNormB[l] = w.vector(blk(l, "attn_output_norm.bias"), c.dim());
            up[l] = Linear.load(w, blk(l, "ffn_up"), c.ffnDim(), c.dim());
            down[l] = Linear.load(w, blk(l, "ffn_down"), c.dim(), c.ffnDim());
            outNormW[l] = w.vector(blk(l, "layer_output_norm.weight"), c.dim());
            outNormB[l] = w.vector(blk(l, "layer_output_norm.bias"), c.dim());
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public PoolingType pooling() {
        return pooling;
    }

    @Override
    public float[] encode(int[] tokens) {
        ModelConfig c = config;
        int n = tokens.length;
        int dim = c.dim();
        if (n == 0) {
            throw new IllegalArgumentException("nothing to embed: no tokens");
        }
        if (n > c.contextLength()) {
            throw new IllegalArgumentException("input is " + n + " tokens but the model takes at most " + c.contextLength());
        }
        float[] x = new float[n * dim];      // (n, dim)
        float[] tmp = new float[dim];
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " is outside the vocabulary");
            }
            tokenEmbedding.dequantizeRow(tokens[t], x, t * dim);
            positionEmbedding.dequantizeRow(t, tmp, 0);
            Ops.add(x, t * dim, tmp, 0, dim);
            if (tokenType0 != null) {
                Ops.add(x, t * dim, tokenType0, 0, dim);
            }
            Ops.layerNorm(x, t * dim, x, t * dim, embNormW, embNormB, dim, c.normEps());
        }
        int qd = c.qDim();
        int kd = c.kvDim();
        int vd = c.vDim();
        float[] q = new float[n * qd];
        float[] k = new float[n * kd];
        float[] v = new float[n * vd];
        float[] att = new float[n * c.heads() * c.valueDim()];
        float[] scores = new float[n];
        float[] hidden = new float[c.ffnDim()];
        float[] out = new float[dim];
        MatMulScratch scratch = new MatMulScratch(Math.max(dim, Math.max(c.ffnDim(), c.heads() * c.valueDim())), 1, MatMulScratch.Numerics.fromProperty());
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        int group = c.heads() / c.kvHeads();
        for (int l = 0; l < c.layers(); l++) {
            for (int t = 0; t < n; t++) {
                wq[l].apply(x, t * dim, q, t * qd, scratch);
                wk[l].apply(x, t * dim, k, t * kd, scratch);
                wv[l].apply(x, t * dim, v, t * vd, scratch);
            }
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < c.heads(); h++) {
                    int kvh = h / group;
                    for (int u = 0; u < n; u++) {
                        scores[u] = Ops.dot(q, t * qd + h * c.headDim(), k, u * kd + kvh * c.headDim(), c.headDim()) * scale;
                    }
                    Ops.softmax(scores, 0, n);
                    int o = (t * c.heads() + h) * c.valueDim();
                    java.util.Arrays.fill(att, o, o + c.valueDim(), 0f);
                    for (int u = 0; u < n; u++) {
                        int vo = u * vd + kvh * c.valueDim();
                        for (int i = 0; i < c.valueDim(); i++) {
                            att[o + i] += scores[u] * v[vo + i];
                        }
                    }
                }
            }
            int attRow = c.heads() * c.valueDim();
            for (int t = 0; t < n; t++) {
                wo[l].apply(att, t * attRow, out, 0, scratch);
                Ops.add(x, t * dim, out, 0, dim);
                Ops.layerNorm(x, t * dim, x, t * dim, attnNormW[l], attnNormB[l], dim, c.normEps());
                up[l].apply(x, t * dim, hidden, 0, scratch);
                for (int i = 0; i < hidden.length; i++) {
                    hidden[i] = Ops.gelu(hidden[i]);
                }
                down[l].apply(hidden, 0, out, 0, scratch);
                Ops.add(x, t * dim, out, 0, dim);
                Ops.layerNorm(x, t * dim, x, t * dim, outNormW[l], outNormB[l], dim, c.normEps());
            }
        }
        return x;
    }

}
