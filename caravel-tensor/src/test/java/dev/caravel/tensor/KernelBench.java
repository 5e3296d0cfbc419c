package dev.caravel.tensor;

import dev.caravel.tensor.kernel.ActivationQuantizer;
import dev.caravel.tensor.kernel.Activations;
import dev.caravel.tensor.kernel.Bytes;
import dev.caravel.tensor.kernel.DotKernel;
import dev.caravel.tensor.kernel.ScalarDotKernels;
import dev.caravel.tensor.kernel.VectorDotKernels;
import dev.caravel.tensor.kernel.VectorWidth;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A small JMH-free timing harness (not a test): one thread, one (rows, cols) weight matrix per type, every row dotted
 * with one prepared activation row, scalar twin against Vector API kernel. Prints ns per matrix-vector product and
 * GB/s of weight bytes, and checks that both give the same floats.
 *
 * <pre>
 * mvn -q -o -pl caravel-tensor test-compile
 * java --add-modules jdk.incubator.vector -cp caravel-tensor/target/classes:caravel-tensor/target/test-classes \
 *      dev.caravel.tensor.KernelBench [rows cols [types...]]
 * </pre>
 * {@code -Dbench.batched=true} times the batched-numerics entry point instead; {@code -Dbench.batched4=true} the
 * four-activation-row batched kernel against four one-row batched calls of the same vector kernel (the "scalar"
 * column); {@code -Dbench.ms=N} the time per
 * measurement (default 300 ms); {@code -Dbench.scalar=false} skips the scalar twins.
 */
public final class KernelBench {
    private KernelBench() {
    }

    /** Four activation rows per weight row ({@link DotKernel#dotBatched4}). */
    private static final boolean B4 = Boolean.getBoolean("bench.batched4");

    public static void main(String[] args) {
        int rows = args.length > 1 ? Integer.parseInt(args[0]) : 896;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 4864;
        GgmlType[] types = args.length > 2
                ? Arrays.stream(args, 2, args.length).map(GgmlType::fromName).toArray(GgmlType[]::new)
                : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
        boolean batched = Boolean.getBoolean("bench.batched");
        boolean scalar = !"false".equals(System.getProperty("bench.scalar"));
        long ms = Long.getLong("bench.ms", 300);
        System.out.printf(Locale.ROOT, "%s; matrix (%d, %d), one thread, %s%n", VectorWidth.description(), rows, cols,
                batched ? "batched numerics" : "one-token numerics");
        System.out.printf(Locale.ROOT, "%-12s %8s %12s %8s %12s %8s %7s%n", "type", "MB", "scalar ns", "GB/s", "vector ns", "GB/s", "speedup");
        for (GgmlType type : types) {
            run(type, rows, cols, batched, scalar, ms);
            if (type == GgmlType.Q4_0) { // llama.cpp repacks Q4_0 matrices with rows % 8 == 0
                run(null, rows, cols, batched, scalar, ms);
            }
        }
    }

    /** {@code type == null}: the repacked Q4_0 kernel. */
    private static void run(GgmlType type, int rows, int cols, boolean batched, boolean scalar, long ms) {
        boolean repacked = type == null;
        GgmlType t = repacked ? GgmlType.Q4_0 : type;
        SplittableRandom rnd = new SplittableRandom(t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = weights(t, rows, cols, rnd, arena);
            long rowBytes = t.byteSize(cols);
            // rows % 8 != 0 selects the non-repacked Q4_0 kernel; F32/F16/BF16 get tinyBLAS for the batched path
            int shapeRows = repacked ? 8 : (t == GgmlType.Q4_0 ? 9 : rows);
            DotKernel v = VectorDotKernels.forShape(t, shapeRows, cols);
            DotKernel s = !B4 ? ScalarDotKernels.forShape(t, shapeRows, cols) : new DotKernel() { // v, one row at a time
                public GgmlType weightType() { return v.weightType(); }
                public GgmlType vecDotType() { return v.vecDotType(); }
                public float dot(MemorySegment w, long off, Activations a, int aOff, int n) { return v.dot(w, off, a, aOff, n); }
                public float dotBatched(MemorySegment w, long off, Activations a, int aOff, int n) { return v.dotBatched(w, off, a, aOff, n); }
            };
            int acts = B4 ? 4 : 1;
            float[] x = new float[acts * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            Activations a = new Activations(acts * cols);
            for (int k = 0; k < acts; k++) {
                ActivationQuantizer.quantize(s.vecDotType(), ActivationQuantizer.Flavor.X86_SIMD, x, k * cols, cols, a, k * cols);
            }
            float[] outS = new float[acts * rows];
            float[] outV = new float[acts * rows];
            double nsS = scalar ? time(s, w, rowBytes, a, rows, cols, batched, outS, ms) : Double.NaN;
            double nsV = time(v, w, rowBytes, a, rows, cols, batched, outV, ms);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long al0 = mx.getCurrentThreadAllocatedBytes();
            matvec(v, w, rowBytes, a, rows, cols, batched, outV);
            long alloc = mx.getCurrentThreadAllocatedBytes() - al0;
            String same = (!scalar ? "" : sameBits(outS, outV) ? "" : "  RESULTS DIFFER") + (alloc > 256 ? "  allocates " + alloc + " B/matvec" : "");
            double mb = rowBytes * (double) rows;
            System.out.printf(Locale.ROOT, "%-12s %8.2f %12.0f %8.2f %12.0f %8.2f %6.1fx%s%n", repacked ? "Q4_0 (x8)" : t.name(),
                    mb / 1e6, nsS, mb / nsS, nsV, mb / nsV, nsS / nsV, same);
        }
    }

    private static boolean sameBits(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) return false;
        }
        return true;
    }

    /** Best ns per matrix-vector product over repeated measurements of about {@code ms} each, after warm-up. */
    private static double time(DotKernel k, MemorySegment w, long rowBytes, Activations a, int rows, int cols,
                               boolean batched, float[] out, long ms) {
        long deadline = System.nanoTime() + 4 * ms * 1_000_000L; // warm-up: let C2 compile
        while (System.nanoTime() < deadline) {
            matvec(k, w, rowBytes, a, rows, cols, batched, out);
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            long end = t0 + ms * 1_000_000L;
            int iters = 0;
            long t1;
            do {
                matvec(k, w, rowBytes, a, rows, cols, batched, out);
                iters++;
                t1 = System.nanoTime();
            } while (t1 < end);
            best = Math.min(best, (t1 - t0) / (double) iters);
        }
        return best;
    }

    private static void matvec(DotKernel k, MemorySegment w, long rowBytes, Activations a, int rows, int cols,
                               boolean batched, float[] out) {
        if (B4) {
            for (int r = 0; r < rows; r++) k.dotBatched4(w, r * rowBytes, a, 0, cols, cols, out, r, rows);
        } else if (batched) {
            for (int r = 0; r < rows; r++) out[r] = k.dotBatched(w, r * rowBytes, a, 0, cols);
        } else {
            for (int r = 0; r < rows; r++) out[r] = k.dot(w, r * rowBytes, a, 0, cols);
        }
    }

    /** Realistic random blocks (as in DotKernelTest): random quant bytes, F16 scales of realistic size. */
    private static MemorySegment weights(GgmlType type, int rows, int cols, SplittableRandom rnd, Arena arena) {
        long rowBytes = type.byteSize(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        long n = (long) rows * cols;
        switch (type) {
            case F32 -> { for (long i = 0; i < n; i++) Bytes.putF32(seg, 4 * i, (float) rnd.nextGaussian()); }
            case F16 -> { for (long i = 0; i < n; i++) Bytes.putF16(seg, 2 * i, (float) rnd.nextGaussian()); }
            case BF16 -> { for (long i = 0; i < n; i++) Bytes.put16(seg, 2 * i, Half.f32ToBf16((float) rnd.nextGaussian())); }
            default -> {
                for (long i = 0; i < seg.byteSize(); i++) Bytes.put8(seg, i, rnd.nextInt(256));
                long bs = type.typeSize();
                for (long b = 0; b < n / type.blockSize(); b++) {
                    long o = b * bs;
                    float d = (float) (0.001 + rnd.nextDouble() * 0.05);
                    switch (type) {
                        case Q4_0, Q5_0, Q8_0 -> Bytes.putF16(seg, o, d);
                        case Q4_1, Q5_1 -> { Bytes.putF16(seg, o, d); Bytes.putF16(seg, o + 2, -d * 8); }
                        case Q2_K -> { Bytes.putF16(seg, o + 80, d); Bytes.putF16(seg, o + 82, d / 2); }
                        case Q3_K -> Bytes.putF16(seg, o + 108, d);
                        case Q4_K, Q5_K -> { Bytes.putF16(seg, o, d); Bytes.putF16(seg, o + 2, d / 3); }
                        case Q6_K -> Bytes.putF16(seg, o + 208, d / 8);
                        default -> throw new AssertionError(type);
                    }
                }
            }
        }
        return seg;
    }
}
