package dev.caravel.tensor.parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A STREAM-like read test: how fast the machine's threads can stream a buffer much larger than
 * the caches, which is the ceiling for decoding (every generated token reads all the weights).
 * Each worker sums its own contiguous slice with SIMD loads, as a weight-streaming kernel would.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {
    }

    /**
     * Best observed read bandwidth in bytes per second.
     *
     * @param bytes size of the buffer (use several times the last-level cache)
     * @param reps  timed passes; the best one is reported, as STREAM does
     */
    public static double measureReadBytesPerSecond(WorkerPool pool, long bytes, int reps) {
        long floats = bytes / 4 / SPECIES.length() * SPECIES.length();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(floats * 4, 64);
            for (long i = 0; i < floats; i += 1024) {
                buffer.set(ValueLayout.JAVA_FLOAT, i * 4, i);
            }
            double[] sink = new double[pool.size()];
            WorkerPool.Task task = (worker, workers) -> {
                long per = floats / workers / SPECIES.length() * SPECIES.length();
                long start = per * worker;
                long end = worker == workers - 1 ? floats : start + per;
                sink[worker] += sum(buffer, start, end);
            };
            // JIT first, on a slice that stays in cache: the 1 GiB passes alone left sum() interpreted or in C1 for the
            // first timed passes, where the Vector API boxes every vector (8.2 GB/s reported on a machine whose decoding
            // streamed 13–26 GB/s)
            for (int r = 0; r < 20_000; r++) {
                sink[0] += sum(buffer, 0, Math.min(floats, 4096));
            }
            pool.run(task); // page-in
            long best = Long.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                pool.run(task);
                best = Math.min(best, System.nanoTime() - t0);
            }
            if (sink[0] == 42.4242) {
                System.out.print(""); // keep the sums observable so the loads are not eliminated
            }
            return floats * 4 * 1e9 / best;
        }
    }

    private static double sum(MemorySegment s, long from, long to) {
        // four independent sums, each the argument (not the receiver) of the add: see ARCHITECTURE.md on receivers
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int step = SPECIES.length();
        long i = from;
        for (; i + 4L * step <= to; i += 4L * step) {
            a0 = FloatVector.fromMemorySegment(SPECIES, s, i * 4, ByteOrder.LITTLE_ENDIAN).add(a0);
            a1 = FloatVector.fromMemorySegment(SPECIES, s, (i + step) * 4, ByteOrder.LITTLE_ENDIAN).add(a1);
            a2 = FloatVector.fromMemorySegment(SPECIES, s, (i + 2L * step) * 4, ByteOrder.LITTLE_ENDIAN).add(a2);
            a3 = FloatVector.fromMemorySegment(SPECIES, s, (i + 3L * step) * 4, ByteOrder.LITTLE_ENDIAN).add(a3);
        }
        for (; i + step <= to; i += step) {
            a0 = FloatVector.fromMemorySegment(SPECIES, s, i * 4, ByteOrder.LITTLE_ENDIAN).add(a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
