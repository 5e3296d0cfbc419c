package dev.caravel.tensor.kernel;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Weight "panels": Q4_0, Q5_0 and Q8_0 matrices re-laid out once, at first use, so that one SIMD lane computes one
 * weight row ({@link Q4Panels}, {@link Q5Panels}, {@link Q8Panels}). Block sums then need no horizontal reduction, the products
 * are formed in float, where they are exact, and a prompt chunk or a batch reuses each unpacked weight vector
 * for several activation rows. Results are bit-identical with the row kernels (llama.cpp's numerics), so panels
 * and row kernels can share a matrix: rows past the last full group of {@link #ROWS} keep the row kernels.
 *
 * <p>Used with the Vector API kernels only; llama.cpp repacks Q4_0 at load time the same way (its
 * {@code block_q4_0x8}), at the same cost in memory. Activations get their panel forms in
 * {@link #prepareActivations}, once per prepared matrix input and weight type.
 *
 * <p>The K-quants Q4_K, Q5_K and Q6_K have panels of their own design ({@link KPanels}, read with Q8_K activations);
 * {@code -Dcaravel.kpanels=false} keeps them on the row kernels.
 */
public final class Panels {
    private Panels() {
    }

    /** Rows per panel group (one 512-bit vector of floats). */
    public static final int ROWS = 16;

    /** Whether a (rows, cols) matrix of {@code type} is multiplied through panels. */
    public static boolean applies(GgmlType type, int rows, int cols) {
        return Q4Panels.applies(type, rows, cols) || Q8Panels.applies(type, rows, cols) || Q5Panels.applies(type, rows, cols) || KPanels.applies(type, rows, cols);
    }

    /** Rows covered by panels: the full groups. */
    public static int panelRows(int rows) {
        return rows / ROWS * ROWS;
    }

    /** Bytes of the panels of a (rows, cols) matrix for which {@link #applies} holds. */
    public static long byteSize(GgmlType type, int rows, int cols) {
        return switch (type) {
            case Q4_0 -> Q4Panels.byteSize(rows, cols);
            case Q8_0 -> Q8Panels.byteSize(rows, cols);
            case Q5_0 -> Q5Panels.byteSize(rows, cols);
            case Q4_K, Q5_K, Q6_K -> KPanels.byteSize(type, rows, cols);
            default -> throw new IllegalArgumentException("no panels for " + type);
        };
    }

    /**
     * The version of the panel layouts: part of the key of panels kept on disk ({@link dev.caravel.tensor.PanelStore}),
     * so a change to any layout (Q4Panels, Q5Panels, Q8Panels, KPanels) must increment it.
     */
    public static final int LAYOUT_VERSION = 1;

    /** New zeroed, 64-byte aligned memory of {@code arena} for the panels of a matrix for which {@link #applies} holds. */
    public static MemorySegment allocate(GgmlType type, int rows, int cols, Arena arena) {
        return arena.allocate(byteSize(type, rows, cols), 64);
    }

    /**
     * Writes panel groups {@code [groupStart, groupEnd)} (of {@code rows / ROWS}) of the matrix stored row-major at
     * {@code data} into {@code panels} (from {@link #allocate}). Disjoint ranges may be filled concurrently.
     */
    public static void fill(GgmlType type, MemorySegment data, int rows, int cols, MemorySegment panels, int groupStart, int groupEnd) {
        java.util.Objects.checkFromToIndex(groupStart, groupEnd, rows / ROWS);
        switch (type) {
            case Q4_0 -> Q4Panels.fill(data, rows, cols, panels, groupStart, groupEnd);
            case Q8_0 -> Q8Panels.fill(data, rows, cols, panels, groupStart, groupEnd);
            case Q5_0 -> Q5Panels.fill(data, rows, cols, panels, groupStart, groupEnd);
            case Q4_K, Q5_K, Q6_K -> KPanels.fill(type, data, rows, cols, panels, groupStart, groupEnd);
            default -> throw new IllegalArgumentException("no panels for " + type);
        }
    }

    /**
     * After the activations [0, n) of {@code a} were quantized (Q8_0 for Q4_0, Q5_0 and Q8_0 weights, Q8_K for the
     * K-quants), {@code n = batch · cols}: the panel form that the panels of {@code weightType} read (O(n)).
     */
    public static void prepareActivations(GgmlType weightType, Activations a, int batch, int cols) {
        reserveActivationForm(weightType, a);
        prepareActivationRows(weightType, a, batch, cols, 0, batch);
    }

    /** Allocates, on first use, the arrays of the panel form of {@code weightType} (one thread, before any fill). */
    public static void reserveActivationForm(GgmlType weightType, Activations a) {
        switch (weightType) {
            case Q4_0, Q8_0, Q5_0 -> a.reservePanels(weightType);
            case Q4_K, Q5_K, Q6_K -> a.reserveKPanels(weightType);
            default -> throw new IllegalArgumentException("no panels for " + weightType);
        }
    }

    /**
     * {@link #prepareActivations} for activation rows {@code [rowStart, rowEnd)} of {@code batch} only, after
     * {@link #reserveActivationForm}. Every row's form depends on that row alone, except the eight-row interleaved
     * copies, so {@code rowStart} must be a multiple of 8 and {@code rowEnd} one too or {@code batch}: then several
     * threads may fill disjoint ranges at once.
     */
    public static void prepareActivationRows(GgmlType weightType, Activations a, int batch, int cols, int rowStart, int rowEnd) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, batch);
        if (rowStart % 8 != 0 || (rowEnd % 8 != 0 && rowEnd != batch)) {
            throw new IllegalArgumentException("rows [" + rowStart + ", " + rowEnd + ") of " + batch + " cut a group of 8");
        }
        int off = rowStart * cols;
        int n = (rowEnd - rowStart) * cols;
        switch (weightType) {
            case Q4_0 -> Q4Panels.prepareActivationRows(a, batch, cols, rowStart, rowEnd);
            case Q8_0 -> {
                Q8Panels.prepareActivations(a, off, n);
                interleave(a.panel8(), a.panel8X8(), cols, rowStart, rowEnd);
            }
            case Q5_0 -> {
                Q5Panels.prepareActivations(a, off, n);
                interleave(a.panel5(), a.panel5X8(), cols, rowStart, rowEnd);
                interleaveBias(a.panel5Bias(), a.panel5BiasX8(), cols / 32, rowStart, rowEnd);
            }
            case Q4_K, Q5_K, Q6_K -> KPanels.prepareActivations(weightType, a, off, n);
            default -> throw new IllegalArgumentException("no panels for " + weightType);
        }
    }

    /**
     * {@code x8[(G·cols + e)·8 + t] = panel[(8G + t)·cols + e]} for every full group G of 8 rows in
     * {@code [rowStart, rowEnd)} (rowStart a multiple of 8): the interleaved copy the eight-row kernels read
     * ({@link Activations#panel5X8()} and {@link Activations#panel8X8()}).
     */
    private static void interleave(float[] panel, float[] x8, int cols, int rowStart, int rowEnd) {
        for (int g = rowStart; g + 8 <= rowEnd; g += 8) {
            int dst = g * cols; // (G·cols)·8 with G = g/8
            for (int t = 0; t < 8; t++) {
                int src = (g + t) * cols;
                for (int e = 0; e < cols; e++) {
                    x8[dst + 8 * e + t] = panel[src + e];
                }
            }
        }
    }

    /** {@link Activations#panel5BiasX8()} of the full groups of 8 rows in {@code [rowStart, rowEnd)} (nb blocks a row). */
    private static void interleaveBias(float[] bias, float[] x8, int nb, int rowStart, int rowEnd) {
        for (int g = rowStart; g + 8 <= rowEnd; g += 8) {
            for (int t = 0; t < 8; t++) {
                int src = 8 * (g + t) * nb;
                int dst = 8 * g * nb + t; // 64·(G·nb) with G = g/8
                for (int e = 0; e < 8 * nb; e++) { // e = 8b + lane
                    x8[dst + 8 * e] = bias[src + e];
                }
            }
        }
    }

    /**
     * For panel groups {@code [groupStart, groupEnd)} and every prepared activation row t &lt; n:
     * {@code out[outOffset + t·rows + r] = W[r,:]·x[t,:]}, bit-identical with the type's row kernel.
     */
    public static void multiply(GgmlType type, MemorySegment panels, int cols, Activations a, int n, float[] out, int outOffset,
                                int rows, int groupStart, int groupEnd) {
        switch (type) {
            case Q4_0 -> VectorPanelKernels.multiply4(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            case Q8_0 -> VectorQ8PanelKernels.multiply8(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            case Q5_0 -> VectorQ8PanelKernels.multiply5(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            case Q4_K -> VectorKPanelKernels.multiplyQ4K(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            case Q5_K -> VectorKPanelKernels.multiplyQ5K(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            case Q6_K -> VectorKPanelKernels.multiplyQ6K(panels, cols, a, n, out, outOffset, rows, groupStart, groupEnd);
            default -> throw new IllegalArgumentException("no panels for " + type);
        }
    }
}
