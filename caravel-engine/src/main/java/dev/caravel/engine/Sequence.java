package dev.caravel.engine;

import dev.caravel.model.DecoderState;
import dev.caravel.model.LanguageModel;
import dev.caravel.tensor.parallel.WorkerPool;

import java.util.Arrays;

/**
 * One sequence's KV cache plus the tokens it holds, so a new prompt that starts with the same
 * tokens (a chat's earlier turns, a shared system prompt) reuses the cached prefix instead of
 * recomputing it.
 */
public final class Sequence {
    private final LanguageModel model;
    private final DecoderState state;
    private final int[] tokens;
    private int length;
    private float[] last;

    public Sequence(LanguageModel model, int contextTokens) {
        this(model, contextTokens, new WorkerPool(1));
    }

    /** @param pool the threads this sequence's matrix products run on (one computation at a time) */
    public Sequence(LanguageModel model, int contextTokens, WorkerPool pool) {
        this.model = model;
        this.state = model.newState(contextTokens, pool);
        this.tokens = new int[contextTokens];
    }

    public int capacity() {
        return tokens.length;
    }

    public int length() {
        return length;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    public void clear() {
        length = 0;
        last = null;
    }

    /**
     * Makes the sequence hold exactly {@code prompt} and returns the logits after its last token.
     * Tokens shared with what the cache already holds are not recomputed.
     *
     * @return the number of prompt tokens that were reused from the cache
     */
    public int prefill(int[] prompt, LogitsSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        if (prompt.length >= tokens.length) {
            throw new ContextOverflowException(prompt.length, tokens.length);
        }
        int common = 0;
        while (common < length && common < prompt.length && tokens[common] == prompt[common]) {
            common++;
        }
        // The last prompt token always runs: its logits are needed for the first sampled token.
        int start = Math.min(common, prompt.length - 1);
        length = start;
        int count = prompt.length - start;
        // Several new tokens are one batch to llama.cpp, with its batched summation order.
        state.setBatchNumerics(count > 1);
        try {
            last = model.forward(state, prompt, start, count, start, sink);
        } finally {
            state.setBatchNumerics(false);
        }
        System.arraycopy(prompt, start, tokens, start, count);
        length = prompt.length;
        return start;
    }

    /** Logits after the last fed token (the model's buffer: valid until the next call). */
    public float[] lastLogits() {
        return last;
    }

    /** Feeds one token at the end and returns the logits for the next one. */
    public float[] append(int token) {
        if (length >= tokens.length) {
            throw new ContextOverflowException(length + 1, tokens.length);
        }
        last = model.forward(state, token, length);
        tokens[length++] = token;
        return last;
    }

    /** Receives the logits after each prompt position (for evaluation and {@code --logits}). */
    @FunctionalInterface
    public interface LogitsSink extends dev.caravel.model.LogitsSink {
    }
}
