package dev.caravel.format.safetensors;

/**
 * A safetensors file or checkpoint directory is malformed, truncated, incomplete or uses a data type
 * Caravel cannot read. The message is one line for a user and names the file (and the tensor, where
 * one is at fault).
 */
public final class SafetensorsFormatException extends RuntimeException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
