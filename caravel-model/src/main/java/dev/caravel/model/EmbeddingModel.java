package dev.caravel.model;

/**
 * A bidirectional encoder that turns a token sequence into vectors (BERT-style sentence
 * embeddings). Thread-safe: every call works on its own buffers.
 */
public interface EmbeddingModel {

    ModelConfig config();

    PoolingType pooling();

    /** Final hidden states, {@code (tokens.length, dim)} row-major. */
    float[] encode(int[] tokens);

    /**
     * The pooled sentence embedding ({@code dim}); MEAN when the model declares no pooling.
     *
     * @param normalize scale to unit Euclidean length (what cosine-similarity search wants)
     */
    default float[] embed(int[] tokens, boolean normalize) {
        int dim = config().dim();
        float[] hidden = encode(tokens);
        float[] out = new float[dim];
        switch (pooling()) {
            case CLS -> System.arraycopy(hidden, 0, out, 0, dim);
            case LAST -> System.arraycopy(hidden, (tokens.length - 1) * dim, out, 0, dim);
            default -> {
                for (int t = 0; t < tokens.length; t++) {
                    Ops.add(out, 0, hidden, t * dim, dim);
                }
                Ops.scale(out, 0, dim, 1f / tokens.length);
            }
        }
        if (normalize) {
            double sq = 0;
            for (float v : out) {
                sq += (double) v * v;
            }
            if (sq > 0) {
                Ops.scale(out, 0, dim, (float) (1.0 / Math.sqrt(sq)));
            }
        }
        return out;
    }
}
