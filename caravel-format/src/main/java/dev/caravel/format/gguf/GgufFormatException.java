package dev.caravel.format.gguf;

/**
 * A GGUF file is malformed, truncated or uses something Caravel does not support.
 *
 * <p>The message is one line meant for a user: it names the file and the problem (and, where it
 * helps, the byte offset), never a Java class name.
 */
public final class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
