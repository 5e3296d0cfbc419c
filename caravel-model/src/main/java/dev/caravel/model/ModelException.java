package dev.caravel.model;

/** A model file cannot be used: unsupported architecture, missing or mis-shaped tensors, bad hyper-parameters. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }
}
