package dev.caravel.format.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file, streaming tensor data to disk.
 *
 * <p>First describe the file ({@link #metadata}, {@link #addTensor}: the data buffer is laid out in
 * the order tensors are added, back to back as the format requires), then write each tensor's bytes
 * in any order ({@link #openTensor}, {@link #writeTensor}); the first write fixes and writes the
 * header, padded with spaces so that the data buffer starts at a multiple of 8 bytes, as the
 * reference writer does. Only the header is held in memory. The file is written under a temporary
 * name and moved into place by {@link #close} once every tensor is complete, so a failed export never
 * leaves a plausible-looking file with zeroed weights. Not thread-safe.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Slot> tensors = new LinkedHashMap<>();
    private long dataSize;
    private long dataStart = -1;
    private boolean closed;

    private static final class Slot {
        final SafetensorsTensor tensor;
        long written;

        Slot(SafetensorsTensor tensor) {
            this.tensor = tensor;
        }
    }

    private SafetensorsWriter(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Starts a file that {@link #close} will place at {@code path} (replacing any file there). */
    public static SafetensorsWriter create(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path temp = dev.caravel.format.ModelFiles.createPartial(absolute);
        try {
            return new SafetensorsWriter(absolute, temp, FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Adds a {@code __metadata__} string (e.g. {@code format = pt}). */
    public SafetensorsWriter metadata(String key, String value) {
        requireHeaderOpen();
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor of row-major {@code shape}; its bytes follow the previous tensor's. */
    public SafetensorsTensor addTensor(String name, SafetensorsDType dtype, long... shape) {
        requireHeaderOpen();
        if (name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("bad tensor name '" + name + "'");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is already added");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension");
            }
            elements = Math.multiplyExact(elements, d);
        }
        long bytes = Math.multiplyExact(elements, (long) dtype.size());
        SafetensorsTensor t = new SafetensorsTensor(name, dtype, shape.clone(), dataSize, dataSize + bytes);
        dataSize += bytes;
        tensors.put(name, new Slot(t));
        return t;
    }

    /** Bytes the data buffer will hold (all tensors added so far). */
    public long dataSize() {
        return dataSize;
    }

    /** Writes a whole tensor from {@code data} (exactly its byte size). */
    public void writeTensor(String name, MemorySegment data) throws IOException {
        try (WritableByteChannel c = openTensor(name)) {
            ByteBuffer buf = data.asByteBuffer();
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        }
    }

    /** Writes a whole tensor from floats, converted to its dtype (F32, F16 or BF16; F16/BF16 rounded to nearest even). */
    public void writeTensor(String name, float[] values) throws IOException {
        Slot s = slot(name);
        if (values.length != s.tensor.elementCount()) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + s.tensor.elementCount() + " elements, not " + values.length);
        }
        try (WritableByteChannel c = openTensor(name)) {
            writeFloats(c, s.tensor.dtype(), values, 0, values.length);
        }
    }

    /** Encodes {@code n} floats as {@code dtype} and writes them to {@code out}. */
    public static void writeFloats(WritableByteChannel out, SafetensorsDType dtype, float[] values, int offset, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = values[offset + i];
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case F16 -> buf.putShort(dev.caravel.tensor.Half.f32ToF16(v));
                case BF16 -> buf.putShort(dev.caravel.tensor.Half.f32ToBf16(v));
                default -> throw new IllegalArgumentException("cannot write floats as " + dtype);
            }
        }
        buf.flip();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /**
     * A channel that takes the tensor's bytes in order; closing it checks that exactly
     * {@code byteSize} bytes arrived.
     */
    public WritableByteChannel openTensor(String name) throws IOException {
        Slot s = slot(name);
        if (s.written != 0) {
            throw new IllegalStateException("tensor '" + name + "' was already written");
        }
        writeHeaderOnce();
        return new WritableByteChannel() {
            private boolean open = true;

            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = src.remaining();
                if (s.written + n > s.tensor.byteSize()) {
                    throw new IllegalArgumentException("tensor '" + name + "' takes " + s.tensor.byteSize() + " bytes, got more");
                }
                long at = dataStart + s.tensor.begin() + s.written;
                while (src.hasRemaining()) {
                    at += channel.write(src, at);
                }
                s.written += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                if (open && s.written != s.tensor.byteSize()) {
                    throw new IllegalStateException("tensor '" + name + "' got " + s.written + " of its " + s.tensor.byteSize() + " bytes");
                }
                open = false;
            }
        };
    }

    private Slot slot(String name) {
        Slot s = tensors.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' was added");
        }
        return s;
    }

    private void requireHeaderOpen() {
        if (dataStart >= 0) {
            throw new IllegalStateException("the header is already written");
        }
    }

    private void writeHeaderOnce() throws IOException {
        if (dataStart >= 0) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        for (Slot s : tensors.values()) {
            SafetensorsTensor t = s.tensor;
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(t.begin()).add(t.end());
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        long at = 0;
        while (head.hasRemaining()) {
            at += channel.write(head, at);
        }
        dataStart = 8 + padded;
        if (dataSize == 0) {
            return;
        }
        // Size the file now so that tensors written out of order leave no short file behind.
        channel.write(ByteBuffer.wrap(new byte[1]), dataStart + dataSize - 1);
    }

    /** Finishes the file and moves it into place; incomplete tensors make it fail and leave nothing behind. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writeHeaderOnce();
            for (Slot s : tensors.values()) {
                if (s.written != s.tensor.byteSize()) {
                    throw new IllegalStateException("tensor '" + s.tensor.name() + "' got " + s.written + " of its "
                            + s.tensor.byteSize() + " bytes; " + target + " not written");
                }
            }
            channel.force(false);
            channel.close();
            dev.caravel.format.ModelFiles.moveIntoPlace(temp, target);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temp);
            throw e;
        }
    }

}
