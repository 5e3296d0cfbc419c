package dev.caravel.tools.convert;

/**
 * A checkpoint or model cannot be converted: a missing file, an unsupported architecture, a tensor
 * that does not fit. One line for a user (the CLI prints it as {@code caravel: …}); it is an
 * {@link IllegalArgumentException} because it always describes bad input.
 */
public final class ConvertException extends IllegalArgumentException {
    public ConvertException(String message) {
        super(message);
    }

    public ConvertException(String message, Throwable cause) {
        super(message, cause);
    }
}
