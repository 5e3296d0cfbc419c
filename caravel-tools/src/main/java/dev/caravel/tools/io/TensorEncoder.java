package dev.caravel.tools.io;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.kernel.Dequantizer;
import dev.caravel.tensor.kernel.Kernels;
import dev.caravel.tensor.quant.WeightQuantizer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Encodes a tensor given as float rows into a GGML type on a pool of threads and streams the bytes,
 * in order, to a channel.
 *
 * <p>The rows are cut into chunks of whole rows (about {@value #CHUNK_ELEMENTS} elements); workers
 * fill a chunk from the {@link RowSource}, quantize it with {@link WeightQuantizer} and optionally
 * measure the error by dequantizing it again; the calling thread writes finished chunks in row
 * order. At most {@code 2 × threads + 1} chunks are in flight, so memory stays at a few MB whatever
 * the tensor size. Every quantizer Caravel has is row-wise and deterministic, so the bytes do not
 * depend on the thread count or chunking.
 *
 * <p>One encoder may be used for many tensors, one after another (not concurrently).
 */
public final class TensorEncoder implements AutoCloseable {
    /** Elements per chunk: large enough to amortize scheduling, small enough to keep memory flat. */
    static final int CHUNK_ELEMENTS = 1 << 18;

    /** Produces rows of a tensor as floats. Called from several threads at once, for disjoint rows. */
    @FunctionalInterface
    public interface RowSource {
        /** Writes rows {@code [firstRow, firstRow + rows)}, {@code cols} floats each, to {@code dst[0 ..]}. */
        void read(long firstRow, int rows, float[] dst);
    }

    /**
     * Error statistics of one encoded tensor (zero error unless measured).
     *
     * @param elements        how many values were encoded
     * @param sumSquares      Σ x² of the source values
     * @param sumSquaredError Σ (x − decoded)²
     */
    public record Stats(long elements, double sumSquares, double sumSquaredError) {
        /** Root mean square of the source values. */
        public double rms() {
            return elements == 0 ? 0 : Math.sqrt(sumSquares / elements);
        }

        /** Root mean square of the encoding error. */
        public double rmsError() {
            return elements == 0 ? 0 : Math.sqrt(sumSquaredError / elements);
        }
    }

    private record Chunk(byte[] bytes, double sumSquares, double sumSquaredError) {
    }

    private final ExecutorService pool;
    private final int window;
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[2][0]);

    /** @param threads worker threads (at least 1) */
    public TensorEncoder(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "caravel-encoder");
            t.setDaemon(true);
            return t;
        });
        this.window = 2 * threads + 1;
    }

    /**
     * Encodes {@code rows × cols} values to {@code type} and writes exactly {@code type.byteSize(rows × cols)}
     * bytes to {@code out} (which stays open).
     *
     * @param measure also compute the RMS error of the encoding (dequantizes every chunk again)
     * @throws IllegalArgumentException if {@code cols} is not a multiple of the type's block size or the
     *                                  type cannot be written
     */
    public Stats encode(RowSource source, long rows, int cols, GgmlType type, boolean measure, WritableByteChannel out)
            throws IOException {
        if (!WeightQuantizer.supports(type)) {
            throw new IllegalArgumentException("cannot write tensors of type " + type);
        }
        if (cols <= 0 || cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("rows of " + cols + " elements cannot be stored as " + type);
        }
        Dequantizer decoder = measure ? Kernels.dequantizer(type) : null;
        int rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / cols);
        ArrayDeque<Future<Chunk>> pending = new ArrayDeque<>();
        long elements = 0;
        double sumSquares = 0;
        double sumSquaredError = 0;
        try {
            for (long first = 0; first < rows || !pending.isEmpty(); ) {
                if (first < rows && pending.size() < window) {
                    long from = first;
                    int n = (int) Math.min(rowsPerChunk, rows - first);
                    pending.add(pool.submit(() -> encodeChunk(source, from, n, cols, type, decoder)));
                    first += n;
                    continue;
                }
                Chunk c = pending.removeFirst().get();
                ByteBuffer buf = ByteBuffer.wrap(c.bytes);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                sumSquares += c.sumSquares;
                sumSquaredError += c.sumSquaredError;
            }
            elements = rows * cols;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while encoding");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } finally {
            for (Future<Chunk> f : pending) {
                f.cancel(true);
            }
        }
        return new Stats(elements, sumSquares, measure ? sumSquaredError : 0);
    }

    private Chunk encodeChunk(RowSource source, long firstRow, int rows, int cols, GgmlType type, Dequantizer decoder) {
        int n = rows * cols;
        float[][] buffers = scratch.get();
        if (buffers[0].length < n) {
            buffers[0] = new float[n];
            buffers[1] = decoder == null ? new float[0] : new float[n];
        } else if (decoder != null && buffers[1].length < n) {
            buffers[1] = new float[n];
        }
        float[] x = buffers[0];
        source.read(firstRow, rows, x);
        byte[] bytes = new byte[Math.toIntExact(type.byteSize(n))];
        WeightQuantizer.quantizeRow(type, x, 0, n, MemorySegment.ofArray(bytes), 0);
        double ss = 0;
        double se = 0;
        if (decoder != null) {
            float[] y = buffers[1];
            decoder.dequantize(MemorySegment.ofArray(bytes), 0, y, 0, n);
            for (int i = 0; i < n; i++) {
                double d = (double) x[i] - y[i];
                ss += (double) x[i] * x[i];
                se += d * d;
            }
        } else {
            for (int i = 0; i < n; i++) {
                ss += (double) x[i] * x[i];
            }
        }
        return new Chunk(bytes, ss, se);
    }

    private static IOException unwrap(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        if (cause instanceof IOException io) {
            return io;
        }
        return new IOException(cause);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
