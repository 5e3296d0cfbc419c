package dev.caravel.model;

/** How an encoder's per-token states become one sentence vector (GGUF {@code <arch>.pooling_type}). */
public enum PoolingType {
    NONE, MEAN, CLS, LAST;

    public static PoolingType fromGguf(long id) {
        return switch ((int) id) {
            case 1 -> MEAN;
            case 2 -> CLS;
            case 3 -> LAST;
            default -> NONE;
        };
    }
}
