package dev.caravel.engine;

/** Why generation ended; the names match the OpenAI API's {@code finish_reason} where one exists. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** {@code maxTokens} reached, or the context is full. */
    LENGTH,
    /** The listener asked to stop (client went away, user pressed stop). */
    CANCELLED;

    public String wireName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
