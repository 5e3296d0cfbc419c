package dev.caravel.engine;

/**
 * Restricts which tokens may come next, so that the output always has a required form (a JSON
 * value that validates against a schema, a tool call). One instance per generation: it is stateful.
 *
 * <p>Contract, for each generated token: the generation loop calls {@link #mask} on the next-token
 * logits, samples from what is left, then calls {@link #accept} with the chosen token. After
 * {@code accept}, {@link #isComplete()} true ends the generation (finish reason {@code stop}).
 * While the output is incomplete, {@code mask} must leave at least one token allowed and must
 * forbid the end-of-generation tokens.
 */
public interface TokenConstraint {

    /** Sets the logits of every token that may not come next to {@link Float#NEGATIVE_INFINITY}. */
    void mask(float[] logits);

    /** Moves past {@code token}, one that {@link #mask} allowed. */
    void accept(int token);

    /** Whether the output is complete: nothing more may be generated. */
    boolean isComplete();

    /**
     * Tells the constraint how many tokens may still be generated, the next one included (the generation
     * loop calls it once before the first {@link #mask}; each {@link #accept} then counts one down). A
     * constraint that can, keeps the output completable within that many tokens. Default: ignored.
     */
    default void setTokenBudget(int remainingTokens) {
    }
}
