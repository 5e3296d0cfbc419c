package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.Half;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF file (v3 by default), streaming tensor data to disk.
 *
 * <p>Use in two phases:
 * <ol>
 *   <li>Describe the file: metadata with explicit types ({@code putUInt32}, {@code putString},
 *       {@code putStringArray}, {@link #put} for any {@link GgufValue}, …), kept in insertion order,
 *       and tensors with {@link #addTensor} (name, type, shape). Offsets are assigned in the order
 *       tensors are added, each at a multiple of the alignment — {@code general.alignment} if it is
 *       set (UINT32, a power of two, before the first tensor), else 32.</li>
 *   <li>Write each tensor's data, in any order: {@link #writeTensor(String, MemorySegment)},
 *       {@code byte[]}, {@code float[]} (converted to F32, F16 or BF16), or piece by piece through
 *       {@link #openTensor}. The first data write fixes the header and writes it; metadata and
 *       tensors cannot be added after that.</li>
 * </ol>
 * Only the header is held in memory; tensor data goes straight to a {@link FileChannel} at its final
 * position, so outputs of many GB need no more memory than their largest source buffer.
 *
 * <p>The layout is llama.cpp's, byte for byte: header, tensor infos, zero padding to the alignment,
 * then each tensor followed by zero padding to the alignment (the last one too). A file without
 * tensors is padded after its header as llama.cpp does, unless {@link #padEmptyDataSection} says
 * otherwise (gguf-py does not pad vocab-only files).
 *
 * <p>The file is written under a temporary name beside {@code path} and moved into place by
 * {@link #close} only once every tensor has all its bytes: a failed or incomplete write never leaves
 * a plausible-looking GGUF with zeroed weights behind, nor clobbers an existing file. Misuse (a
 * duplicate key, a value out of its type's range, data of the wrong size, a missing tensor) is an
 * {@link IllegalArgumentException} or {@link IllegalStateException}; I/O failures are
 * {@link IOException}s. Not thread-safe, except that distinct tensors' channels may be written
 * from different threads.
 */
public final class GgufWriter implements AutoCloseable {
    /** llama.cpp keeps tensor names in a 64-byte buffer with a terminating NUL. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    private static final int CHUNK = 8 << 20;

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private int version = 3;
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;
    private boolean padEmptyDataSection = true;
    private long nextOffset;
    private long dataStart = -1;
    private boolean closed;

    private static final class Tensor {
        final GgufTensorInfo info;
        final long byteSize;
        boolean open;
        boolean done;

        Tensor(GgufTensorInfo info) {
            this.info = info;
            this.byteSize = info.byteSize();
        }
    }

    private GgufWriter(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Starts a GGUF v3 file that {@link #close} will place at {@code path} (replacing any file there). */
    public static GgufWriter create(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path temp = dev.caravel.format.ModelFiles.createPartial(absolute);
        try {
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return new GgufWriter(absolute, temp, channel);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /**
     * Copies {@code source} to {@code target}: the same version, metadata (types and order), tensor
     * infos and data. For a file written by llama.cpp or gguf-py the copy is byte-identical; other
     * layouts (gaps or overlap between tensors, trailing bytes) come out in the canonical layout.
     */
    public static void copy(GgufFile source, Path target) throws IOException {
        try (GgufWriter w = create(target)) {
            w.version(source.version());
            // gguf-py leaves a tensor-less file unpadded: then it ends before its (virtual) data section.
            w.padEmptyDataSection(!source.tensors().isEmpty() || source.fileSize() >= source.dataOffset());
            source.metadata().forEach(w::put);
            for (GgufTensorInfo t : source.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.dims());
            }
            for (GgufTensorInfo t : source.tensors().values()) {
                w.writeTensor(t.name(), source.tensorData(t));
            }
        }
    }

    // ---------------------------------------------------------------- options

    /** The version written: 3 (default) or 2, which has the same layout and exists for old readers and tests. */
    public GgufWriter version(int version) {
        requireHeaderOpen();
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("can write GGUF version 2 or 3, not " + version);
        }
        this.version = version;
        return this;
    }

    /** Whether a file without tensors gets zero padding after its header (default true, as llama.cpp). */
    public GgufWriter padEmptyDataSection(boolean pad) {
        requireHeaderOpen();
        this.padEmptyDataSection = pad;
        return this;
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Adds a key with an explicitly typed value (scalar or array, arrays possibly nested), in the
     * Java representation {@link GgufValue} documents. Setting {@code general.alignment} (UINT32, a
     * power of two) changes the alignment; it must come before the first tensor.
     *
     * @throws IllegalArgumentException for an empty, over-long or duplicate key, or a malformed value
     */
    public GgufWriter put(String key, GgufValue value) {
        requireHeaderOpen();
        Objects.requireNonNull(key, "key");
        String what = "metadata '" + key + "'";
        if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > GgufFile.MAX_KEY_BYTES) {
            throw new IllegalArgumentException(what + ": a key must have 1 to " + GgufFile.MAX_KEY_BYTES + " bytes");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException(what + " is already set");
        }
        GgufEncoder.validate(what, value, 1);
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            // llama.cpp reads the alignment as UINT32 only and aborts on anything else.
            if (value.type() != GgufValueType.UINT32 || !(value.value() instanceof Long a) || a <= 0
                    || a > GgufFile.MAX_ALIGNMENT || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException(what + " must be a UINT32 power of two up to " + GgufFile.MAX_ALIGNMENT + ", not " + value);
            }
            if (!tensors.isEmpty()) {
                throw new IllegalStateException(what + " must be set before the first tensor is added");
            }
            alignment = (int) (long) a;
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.UINT8, (long) value));
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.INT8, (long) value));
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.UINT16, (long) value));
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.INT16, (long) value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValue.scalar(GgufValueType.UINT32, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.INT32, (long) value));
    }

    /** {@code value} is taken as an unsigned bit pattern. */
    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValue.scalar(GgufValueType.UINT64, value));
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValue.scalar(GgufValueType.INT64, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.scalar(GgufValueType.FLOAT32, (double) value));
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValue.scalar(GgufValueType.FLOAT64, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.scalar(GgufValueType.BOOL, value));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.scalar(GgufValueType.STRING, value));
    }

    /** An array of integers of {@code elementType} (UINT8 … INT64); each value must fit that type. */
    public GgufWriter putArray(String key, GgufValueType elementType, long... values) {
        return put(key, GgufValue.array(elementType, values.clone()));
    }

    /** An array of FLOAT32 or FLOAT64. */
    public GgufWriter putArray(String key, GgufValueType elementType, double... values) {
        return put(key, GgufValue.array(elementType, values.clone()));
    }

    /** An array of FLOAT32 from floats (exact). */
    public GgufWriter putFloat32Array(String key, float... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return put(key, GgufValue.array(GgufValueType.FLOAT32, d));
    }

    /** An array of INT32 from ints. */
    public GgufWriter putInt32Array(String key, int... values) {
        return put(key, GgufValue.array(GgufValueType.INT32, Arrays.stream(values).asLongStream().toArray()));
    }

    public GgufWriter putBoolArray(String key, boolean... values) {
        return put(key, GgufValue.array(GgufValueType.BOOL, values.clone()));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, GgufValue.array(GgufValueType.STRING, values.toArray(String[]::new)));
    }

    public GgufWriter putStringArray(String key, String... values) {
        return put(key, GgufValue.array(GgufValueType.STRING, values.clone()));
    }

    /** The metadata added so far, in order (unmodifiable). */
    public Map<String, GgufValue> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    // ---------------------------------------------------------------- tensors

    /**
     * Declares a tensor and assigns its data offset (the previous tensor's end, aligned up).
     *
     * @param dims GGML order, innermost first ({@code {cols, rows}} for a matrix); 0 to 4 dimensions,
     *             each ≥ 0, {@code dims[0]} a multiple of the type's block size
     * @return the tensor's info as it will be written
     * @throws IllegalArgumentException for a duplicate or over-long name, or a bad shape
     */
    public GgufTensorInfo addTensor(String name, GgmlType type, long... dims) {
        requireHeaderOpen();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        String what = "tensor '" + name + "'";
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException(what + ": names are limited to " + MAX_TENSOR_NAME_BYTES + " bytes (llama.cpp)");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException(what + " is already added");
        }
        if (dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException(what + ": " + dims.length + " dimensions (at most " + GgufFile.MAX_DIMS + ")");
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in " + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        long row = dims.length == 0 ? 1 : dims[0];
        if (row % type.blockSize() != 0) {
            throw new IllegalArgumentException(what + ": row length " + row + " is not a multiple of the " + type
                    + " block size " + type.blockSize());
        }
        GgufTensorInfo info = new GgufTensorInfo(name, dims.clone(), type, nextOffset);
        long bytes = type.byteSize(elements);
        nextOffset = Math.addExact(nextOffset, GgufFile.alignUp(bytes, alignment));
        tensors.put(name, new Tensor(info));
        return info;
    }

    /** The tensors added so far, in order. */
    public List<GgufTensorInfo> tensors() {
        return tensors.values().stream().map(t -> t.info).toList();
    }

    /** Writes the whole tensor from {@code data}, which must hold exactly its byte size. */
    public void writeTensor(String name, MemorySegment data) throws IOException {
        Tensor t = tensor(name);
        if (data.byteSize() != t.byteSize) {
            throw new IllegalArgumentException("tensor '" + name + "' takes " + t.byteSize + " bytes, not " + data.byteSize());
        }
        try (WritableByteChannel out = openTensor(name)) {
            for (long at = 0; at < data.byteSize(); at += CHUNK) {
                // Slices keep each ByteBuffer under 2 GiB and bound the JDK's temporary direct buffer for heap data.
                out.write(data.asSlice(at, Math.min(CHUNK, data.byteSize() - at)).asByteBuffer());
            }
        }
    }

    /** Writes the whole tensor from {@code data}, which must hold exactly its byte size. */
    public void writeTensor(String name, byte[] data) throws IOException {
        writeTensor(name, MemorySegment.ofArray(data));
    }

    /**
     * Writes an F32, F16 or BF16 tensor from floats, converting as ggml does (round to nearest even;
     * see {@link Half}). Quantized types are produced elsewhere and written as bytes.
     */
    public void writeTensor(String name, float[] values) throws IOException {
        Tensor t = tensor(name);
        GgmlType type = t.info.type();
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + type + ": floats convert only to F32, F16 or BF16");
        }
        if (values.length != t.info.elementCount()) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + t.info.elementCount() + " elements, not " + values.length);
        }
        int width = type == GgmlType.F32 ? 4 : 2;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(width, (long) values.length * width))).order(ByteOrder.LITTLE_ENDIAN);
        try (WritableByteChannel out = openTensor(name)) {
            for (float v : values) {
                if (buf.remaining() < width) {
                    out.write(buf.flip());
                    buf.clear();
                }
                switch (type) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(Half.f32ToF16(v));
                    default -> buf.putShort(Half.f32ToBf16(v));
                }
            }
            out.write(buf.flip());
        }
    }

    /**
     * A channel for the tensor's bytes, to be written in order; closing it requires exactly the
     * tensor's byte size to have been written and then writes the alignment padding. Writing more
     * than the tensor's size is an {@link IllegalStateException} (nothing of that write is kept).
     * Fixes and writes the header if that has not happened yet.
     */
    public WritableByteChannel openTensor(String name) throws IOException {
        Tensor t = tensor(name);
        if (t.done || t.open) {
            throw new IllegalStateException("tensor '" + name + "' is already " + (t.done ? "written" : "being written"));
        }
        writeHeader();
        t.open = true;
        return new TensorChannel(t, dataStart + t.info.offset());
    }

    private Tensor tensor(String name) {
        requireOpen();
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' was added");
        }
        return t;
    }

    private final class TensorChannel implements WritableByteChannel {
        private final Tensor tensor;
        private final long start;
        private long written;
        private boolean channelOpen = true;

        TensorChannel(Tensor tensor, long start) {
            this.tensor = tensor;
            this.start = start;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (!channelOpen) {
                throw new ClosedChannelException();
            }
            int n = src.remaining();
            if (n > tensor.byteSize - written) {
                throw new IllegalStateException("tensor '" + tensor.info.name() + "' takes " + tensor.byteSize
                        + " bytes; " + written + " written, " + n + " more offered");
            }
            writeFully(src, start + written);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return channelOpen;
        }

        @Override
        public void close() throws IOException {
            if (!channelOpen) {
                return;
            }
            channelOpen = false;
            tensor.open = false;
            if (written != tensor.byteSize) {
                throw new IllegalStateException("tensor '" + tensor.info.name() + "' got " + written + " of its "
                        + tensor.byteSize + " bytes");
            }
            // Explicit zeros rather than a hole: the bytes are right whatever the file held before.
            long end = start + tensor.byteSize;
            int pad = (int) (GgufFile.alignUp(end - dataStart, alignment) - (end - dataStart));
            writeFully(ByteBuffer.allocate(pad), end);
            tensor.done = true;
        }
    }

    private void writeFully(ByteBuffer src, long position) throws IOException {
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
    }

    /** Serializes header, metadata and tensor infos, pads to the alignment and fixes the layout. */
    private void writeHeader() throws IOException {
        if (dataStart >= 0) {
            return;
        }
        GgufEncoder out = new GgufEncoder();
        out.u32(GgufFile.MAGIC);
        out.u32(version);
        out.u64(tensors.size());
        out.u64(metadata.size());
        metadata.forEach(out::keyValue);
        for (Tensor t : tensors.values()) {
            out.tensorInfo(t.info.name(), t.info.dims(), t.info.type(), t.info.offset());
        }
        boolean pad = !tensors.isEmpty() || padEmptyDataSection;
        long start = pad ? GgufFile.alignUp(out.size(), alignment) : out.size();
        while (out.size() < start) {
            out.u8(0);
        }
        writeFully(ByteBuffer.wrap(out.toByteArray()), 0);
        dataStart = start;
    }

    /**
     * Finishes the file: writes the header if no tensor data was written (a tensor-less file), checks
     * that every tensor has its data, and moves the file to its final name. If anything is missing
     * or fails, the partial file is deleted and the target is left untouched.
     *
     * @throws IllegalStateException naming the tensors whose data was not (completely) written
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean success = false;
        try {
            List<String> missing = new ArrayList<>();
            for (Tensor t : tensors.values()) {
                if (!t.done) {
                    missing.add(t.info.name());
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("GGUF " + target + " not written: no data for " + missing.size() + " tensor(s) "
                        + (missing.size() > 8 ? missing.subList(0, 8) + "..." : missing));
            }
            writeHeader();
            channel.force(false);
            channel.close();
            dev.caravel.format.ModelFiles.moveIntoPlace(temp, target);
            success = true;
        } finally {
            if (!success) {
                channel.close();
                Files.deleteIfExists(temp);
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("GGUF writer for " + target + " is closed");
        }
    }

    private void requireHeaderOpen() {
        requireOpen();
        if (dataStart >= 0) {
            throw new IllegalStateException("the GGUF header of " + target + " is already written: add metadata and tensors before any data");
        }
    }
}
