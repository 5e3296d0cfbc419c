package dev.caravel.engine;

/** The prompt (plus at least one generated token) does not fit in the context window. */
public final class ContextOverflowException extends RuntimeException {
    private final int promptTokens;
    private final int contextTokens;

    public ContextOverflowException(int promptTokens, int contextTokens) {
        super("the prompt is " + promptTokens + " tokens but the context holds only " + contextTokens
                + " (shorten the prompt or raise the context size with -c)");
        this.promptTokens = promptTokens;
        this.contextTokens = contextTokens;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextTokens() {
        return contextTokens;
    }
}
