package dev.caravel.cli;

/** A user error detected by a command (bad combination of options, missing file, …). */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
