package dev.caravel.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Keeps the panels of a model's matrices (see {@link WeightMatrix#panels()}) between runs, so that a later run maps
 * them instead of building them again: without it, every process repacks its weights at first use, which costs
 * seconds for a large model and keeps a second copy of the weights in memory beside the mapped file.
 *
 * <p>Contract: {@link #find} returns panels only if they were made by {@link #save} for a matrix of the same name,
 * type and shape of the same model file, complete and in the current panel format; anything else (no entry, a
 * truncated or foreign file, an I/O error) is {@code null}, and the matrix builds its panels as usual. {@link #save}
 * never fails the caller: a cache that cannot be written leaves the run as it would be without one. Both may be
 * called from several threads.
 */
public interface PanelStore {
    /**
     * The saved panels of tensor {@code name}, read-only and exactly {@code bytes} long, or {@code null}.
     *
     * @param bytes the size the panels of this type and shape have now
     */
    MemorySegment find(String name, GgmlType type, int rows, int cols, long bytes);

    /** Keeps a copy of the complete panels of tensor {@code name} (in the background; the segment must stay valid). */
    void save(String name, GgmlType type, int rows, int cols, MemorySegment panels);
}
