package dev.caravel.tools.hub;

/**
 * A failure to find, fetch or store a model, with a message meant for the user as it is (one line, saying
 * what to do). The kind lets callers add context, e.g. how to run without the network.
 */
public final class HubException extends RuntimeException {
    public enum Kind {
        /** Bad model reference or configuration. */
        USAGE,
        /** Repository, revision or file does not exist (or is private). */
        NOT_FOUND,
        /** 401 / 403: gated or private model, token missing or not accepted. */
        UNAUTHORIZED,
        /** The host cannot be reached, or the transfer kept failing. */
        NETWORK,
        /** The server kept answering with errors. */
        SERVER,
        /** The downloaded bytes do not hash to the published SHA-256. */
        CHECKSUM,
        /** Not enough free space, or the cache cannot be written. */
        DISK,
        /** Offline mode and the file is not in the cache. */
        OFFLINE,
        /** A repository holds several files that fit and none is clearly meant. */
        AMBIGUOUS
    }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
