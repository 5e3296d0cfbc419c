package dev.caravel.tensor;

import dev.caravel.tensor.kernel.Bytes;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only reader of a GGUF (v2/v3) tensor directory: skips the metadata (except general.alignment)
 * and lists tensors as views over the memory-mapped file. The real reader lives in caravel-format.
 */
final class TestGguf implements AutoCloseable {
    record Tensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        long elements() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }

        int cols() {
            return (int) dims[0];
        }

        int rows() {
            return (int) (elements() / dims[0]);
        }

        WeightMatrix matrix() {
            return new WeightMatrix(type, data, rows(), cols());
        }
    }

    private final Arena arena;
    final MemorySegment file;
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long pos;

    static Path models() {
        return Path.of(System.getProperty("caravel.shared", "../../shared"), "models");
    }

    static TestGguf open(String fileName) throws IOException {
        return new TestGguf(models().resolve(fileName));
    }

    TestGguf(Path path) throws IOException {
        arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        if (u32() != 0x46554747) {
            throw new IOException(path + ": not a GGUF file");
        }
        long version = u32();
        if (version < 2 || version > 3) {
            throw new IOException(path + ": GGUF version " + version);
        }
        long nTensors = u64();
        long nKv = u64();
        long alignment = 32;
        for (long i = 0; i < nKv; i++) {
            String key = str();
            int type = (int) u32();
            if (key.equals("general.alignment") && type == 4) {
                alignment = u32();
            } else {
                skipValue(type);
            }
        }
        record Info(String name, long[] dims, int type, long offset) {
        }
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = str();
            int nd = (int) u32();
            long[] dims = new long[nd];
            for (int d = 0; d < nd; d++) dims[d] = u64();
            int type = (int) u32();
            long off = u64();
            infos.add(new Info(name, dims, type, off));
        }
        long dataStart = (pos + alignment - 1) / alignment * alignment;
        for (Info in : infos) {
            GgmlType t = GgmlType.fromId(in.type);
            if (t == null) throw new IOException("unknown type " + in.type + " of " + in.name);
            long n = 1;
            for (long d : in.dims) n *= d;
            long bytes = t.byteSize(n);
            tensors.put(in.name, new Tensor(in.name, t, in.dims, file.asSlice(dataStart + in.offset, bytes)));
        }
    }

    private long u32() {
        long v = Bytes.i32(file, pos) & 0xFFFFFFFFL;
        pos += 4;
        return v;
    }

    private long u64() {
        long v = file.get(Bytes.LE_LONG, pos);
        pos += 8;
        return v;
    }

    private String str() {
        long len = u64();
        byte[] b = file.asSlice(pos, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    private void skipValue(int type) throws IOException {
        switch (type) {
            case 0, 1, 7 -> pos += 1;
            case 2, 3 -> pos += 2;
            case 4, 5, 6 -> pos += 4;
            case 10, 11, 12 -> pos += 8;
            case 8 -> {
                long len = u64();
                pos += len;
            }
            case 9 -> {
                int et = (int) u32();
                long count = u64();
                for (long i = 0; i < count; i++) skipValue(et);
            }
            default -> throw new IOException("bad metadata value type " + type + " at " + pos);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
