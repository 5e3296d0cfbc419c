package dev.caravel.server.chats;

/** The conversation database could not be opened, read or written (disk full, file damaged, no permission). */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
