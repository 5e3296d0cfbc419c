package dev.caravel.model;

/** Receives the logits after each evaluated position (for evaluation, {@code --logits}, perplexity). */
@FunctionalInterface
public interface LogitsSink {
    /** {@code logits} is a buffer of the model's: copy what must outlive the call. */
    void accept(int position, float[] logits);
}
