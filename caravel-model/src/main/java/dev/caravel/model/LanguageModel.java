package dev.caravel.model;

/**
 * An autoregressive model: given a token at a position, produce next-token logits.
 *
 * <p>Contract: positions of one {@link DecoderState} are fed in order 0, 1, 2, …; feeding position
 * {@code p} overwrites the cache from {@code p} on, so a caller may rewind a state to any earlier
 * position and continue from there (prompt-prefix reuse). Implementations are thread-safe for
 * distinct states; a state is used by one thread at a time.
 */
public interface LanguageModel {

    ModelConfig config();

    /** A fresh state able to hold {@code maxTokens} positions (at most the model's context), computing on the caller's thread. */
    DecoderState newState(int maxTokens);

    /** A fresh state whose matrix products are shared by the threads of {@code pool}. */
    DecoderState newState(int maxTokens, dev.caravel.tensor.parallel.WorkerPool pool);

    /**
     * Runs token {@code token} at position {@code pos} and returns the logits for the next token
     * (the state's own buffer, valid until the next call).
     */
    float[] forward(DecoderState state, int token, int pos);

    /**
     * Runs {@code count} tokens from {@code tokens[offset]} at positions {@code pos, pos+1, …}
     * together, in chunks of the state's batch size, so each weight matrix is read once per chunk.
     * Returns the logits after the last token (the state's buffer).
     *
     * @param sink receives every position's logits, or null when only the last are wanted
     *             (computing all of them costs an output projection per token)
     */
    float[] forward(DecoderState state, int[] tokens, int offset, int count, int pos, LogitsSink sink);

    /**
     * Continuous batching: evaluates {@code n ≤ work.batch} rows that may belong to different sequences in
     * one pass over the weights. Row {@code r} is token {@code tokens[r]} at position {@code positions[r]} of
     * the sequence whose KV cache {@code caches[r]} holds; {@code work} only lends its activation buffers
     * (its own cache is untouched unless it is one of {@code caches}).
     *
     * <p>Rows of one sequence come in increasing, consecutive positions, after the positions its cache
     * already holds; each row attends to its own sequence only. With a {@link DecoderState#workspace} as
     * {@code work} every row's result is bit-identical to evaluating its sequence alone, one token at a time,
     * so what a request gets never depends on what it was batched with.
     *
     * @param logitRows the rows whose next-token logits are wanted, {@code m} of them
     * @return a buffer of {@code work}'s whose row {@code i} (of {@code vocab} floats) holds the logits after
     *         row {@code logitRows[i]}; valid until the next call
     */
    float[] forwardRows(DecoderState work, DecoderState[] caches, int[] tokens, int[] positions, int n,
                        int[] logitRows, int m);
}
