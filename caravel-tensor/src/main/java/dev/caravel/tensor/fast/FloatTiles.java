package dev.caravel.tensor.fast;

import jdk.incubator.vector.FloatVector;

import static dev.caravel.tensor.fast.FloatLanes.F;
import static dev.caravel.tensor.fast.FloatLanes.LANES;

/**
 * Register-tiled products of already dequantized weight rows with several activation rows — the batched
 * (prompt) half of the fast path. Each weight vector loaded is used for four activation rows and each activation
 * vector for four weight rows, so the loop runs on FMAs rather than loads; every output still follows
 * {@link FloatLanes}' contract exactly (one accumulator per output, increasing index, the folding tree).
 *
 * <p>Shapes: {@code w} holds weight rows back to back from {@code wo} ({@code cols} floats each); {@code x} holds
 * activation rows back to back from {@code xo}; output (weight row j, activation row b) goes to
 * {@code out[oo + b*os + j]}. {@code cols} is a multiple of {@link FloatLanes#LANES}.
 */
final class FloatTiles {
    private FloatTiles() {
    }

    /** Four weight rows × {@code batch} activation rows. */
    static void rows4(float[] w, int wo, int cols, float[] x, int xo, int batch, float[] out, int oo, int os, float[] lanes) {
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            tile4x4(w, wo, cols, x, xo + b * cols, lanes);
            for (int j = 0; j < 16; j++) { // lanes holds accumulator (weight row j & 3, activation row j >> 2)
                out[oo + (b + (j >> 2)) * os + (j & 3)] = FloatLanes.foldAt(lanes, j * LANES);
            }
        }
        for (; b < batch; b++) {
            tile4x1(w, wo, cols, x, xo + b * cols, lanes);
            for (int j = 0; j < 4; j++) {
                out[oo + b * os + j] = FloatLanes.foldAt(lanes, j * LANES);
            }
        }
    }

    /** One weight row × {@code batch} activation rows. */
    static void rows1(float[] w, int wo, int cols, float[] x, int xo, int batch, float[] out, int oo, int os, float[] lanes) {
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            tile1x4(w, wo, cols, x, xo + b * cols, lanes);
            for (int j = 0; j < 4; j++) {
                out[oo + (b + j) * os] = FloatLanes.foldAt(lanes, j * LANES);
            }
        }
        for (; b < batch; b++) {
            out[oo + b * os] = dot(w, wo, x, xo + b * cols, cols);
        }
    }

    /** Accumulator (weight row r, activation row b) to {@code lanes[(4b + r)·LANES ..]}. */
    private static void tile4x4(float[] w, int wo, int cols, float[] x, int xo, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int i = 0; i < cols; i += LANES) {
            FloatVector v0 = FloatVector.fromArray(F, w, wo + i);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + i);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector u = FloatVector.fromArray(F, x, xo + i);
            a00 = v0.fma(u, a00);
            a10 = v1.fma(u, a10);
            a20 = v2.fma(u, a20);
            a30 = v3.fma(u, a30);
            u = FloatVector.fromArray(F, x, x1 + i);
            a01 = v0.fma(u, a01);
            a11 = v1.fma(u, a11);
            a21 = v2.fma(u, a21);
            a31 = v3.fma(u, a31);
            u = FloatVector.fromArray(F, x, x2 + i);
            a02 = v0.fma(u, a02);
            a12 = v1.fma(u, a12);
            a22 = v2.fma(u, a22);
            a32 = v3.fma(u, a32);
            u = FloatVector.fromArray(F, x, x3 + i);
            a03 = v0.fma(u, a03);
            a13 = v1.fma(u, a13);
            a23 = v2.fma(u, a23);
            a33 = v3.fma(u, a33);
        }
        a00.intoArray(lanes, 0);
        a10.intoArray(lanes, LANES);
        a20.intoArray(lanes, 2 * LANES);
        a30.intoArray(lanes, 3 * LANES);
        a01.intoArray(lanes, 4 * LANES);
        a11.intoArray(lanes, 5 * LANES);
        a21.intoArray(lanes, 6 * LANES);
        a31.intoArray(lanes, 7 * LANES);
        a02.intoArray(lanes, 8 * LANES);
        a12.intoArray(lanes, 9 * LANES);
        a22.intoArray(lanes, 10 * LANES);
        a32.intoArray(lanes, 11 * LANES);
        a03.intoArray(lanes, 12 * LANES);
        a13.intoArray(lanes, 13 * LANES);
        a23.intoArray(lanes, 14 * LANES);
        a33.intoArray(lanes, 15 * LANES);
    }

    /** Accumulator of weight row r to {@code lanes[r·LANES ..]}. */
    private static void tile4x1(float[] w, int wo, int cols, float[] x, int xo, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        for (int i = 0; i < cols; i += LANES) {
            FloatVector u = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, w, wo + i).fma(u, a0);
            a1 = FloatVector.fromArray(F, w, w1 + i).fma(u, a1);
            a2 = FloatVector.fromArray(F, w, w2 + i).fma(u, a2);
            a3 = FloatVector.fromArray(F, w, w3 + i).fma(u, a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, LANES);
        a2.intoArray(lanes, 2 * LANES);
        a3.intoArray(lanes, 3 * LANES);
    }

    /** Accumulator of activation row b to {@code lanes[b·LANES ..]}. */
    private static void tile1x4(float[] w, int wo, int cols, float[] x, int xo, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int i = 0; i < cols; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, w, wo + i);
            a0 = v.fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = v.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = v.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = v.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, LANES);
        a2.intoArray(lanes, 2 * LANES);
        a3.intoArray(lanes, 3 * LANES);
    }

    /** One contract dot product, vectorised. */
    static float dot(float[] w, int wo, float[] x, int xo, int cols) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < cols; i += LANES) {
            a = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), a);
        }
        return FloatLanes.fold(a);
    }
}
