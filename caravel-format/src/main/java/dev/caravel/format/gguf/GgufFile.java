package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (v2 or v3) file, memory-mapped read-only.
 *
 * <p>Layout (both versions, little-endian): magic {@code "GGUF"}, u32 version, u64 tensor count, u64
 * metadata count, the metadata key/values (see {@link GgufValueReader}), the tensor infos (name, u32
 * n_dims, n_dims × u64 dims, u32 ggml type, u64 offset), zero padding to the alignment
 * ({@code general.alignment}, default 32), then the data section; each tensor offset is relative to
 * the data section and a multiple of the alignment.
 *
 * <p>Opening parses and validates the header, metadata and tensor directory; tensor data is never
 * copied: {@link #tensorData} returns a slice of the mapping. All offsets are {@code long}, so files
 * over 2 GiB work. Every structural problem (bad magic or version, truncation at any offset, absurd
 * counts or lengths, unknown value or tensor types, shapes whose size overflows, tensors that lie
 * outside the file or are misaligned) is reported as a one-line {@link GgufFormatException} naming
 * the file; no other exception escapes {@link #open} for bad content, and lying counts are checked
 * against the file size and fixed caps before anything is allocated. Closing unmaps the file:
 * segments obtained earlier must not be used afterwards.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    static final int MAGIC = 0x46554747;
    /** Alignment of the data section and of each tensor when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that overrides the alignment (a UINT32 power of two). */
    public static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_ALIGNMENT = 1 << 30;
    static final int MAX_DIMS = 4;
    /** Keys are at most 2^16-1 bytes by the spec; tensor names get the same generous cap. */
    static final long MAX_KEY_BYTES = 65535;
    /** Far above any real model (a few thousand tensors, a few dozen keys); bounds work on lying counts. */
    static final long MAX_TENSORS = 1L << 20;
    static final long MAX_METADATA = 1L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, GgufValue> metadata,
                     Map<String, GgufTensorInfo> tensors, long dataOffset, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws GgufFormatException if the file cannot be read or is not a well-formed GGUF v2/v3 file
     */
    public static GgufFile open(Path path) {
        return dev.caravel.format.ModelFiles.mapAndParse(path, "GGUF",
                (message, cause) -> cause == null ? new GgufFormatException(message) : new GgufFormatException(message, cause),
                GgufFile::parse);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        String name = path.toString();
        GgufCursor in = new GgufCursor(mapping, name);
        if (mapping.byteSize() < 4) {
            throw in.error("not a GGUF file (only " + mapping.byteSize() + " bytes)");
        }
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error("not a GGUF file (bad magic " + String.format("0x%08x", magic) + ", expected \"GGUF\")");
        }
        int version = in.i32("version");
        if (version == 1) {
            throw in.error("GGUF version 1 is not supported (obsolete since 2023); re-convert the model");
        }
        if (version != 2 && version != 3) {
            // A big-endian file (GGUF v3 allows them) reads as 0x02000000 / 0x03000000 here.
            if ((version & 0xFFFF) == 0 && version != 0) {
                throw in.error("big-endian GGUF files are not supported (version field " + String.format("0x%08x", version) + ")");
            }
            throw in.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        // v2 and v3 share one layout (u64 counts and lengths); v3 only added big-endian files.
        // The least bytes on disk: a tensor info 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset),
        // a key/value 8 (key length) + 1 (key) + 4 (type) + 1 (smallest value).
        long tensorCount = in.count("tensor count", 24, MAX_TENSORS);
        long kvCount = in.count("metadata count", 14, MAX_METADATA);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.string("metadata key #" + i, MAX_KEY_BYTES);
            if (key.isEmpty()) {
                throw in.error("metadata key #" + i + " at byte " + at + " is empty");
            }
            GgufValue value = GgufValueReader.readValue(in, "metadata " + GgufCursor.quote(key));
            if (metadata.putIfAbsent(key, value) != null) {
                throw in.error("duplicate metadata key " + GgufCursor.quote(key) + " at byte " + at);
            }
        }
        int alignment = readAlignment(in, metadata.get(ALIGNMENT_KEY));

        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            GgufTensorInfo info = readTensorInfo(in, i);
            if (tensors.putIfAbsent(info.name(), info) != null) {
                throw in.error("duplicate tensor " + GgufCursor.quote(info.name()) + " at byte " + at);
            }
        }

        // The data section starts at the next multiple of the alignment. A file without tensors may
        // end before that (gguf-py writes vocab-only files without the padding): nothing is read there.
        long dataOffset = alignUp(in.position(), alignment);
        long dataSize = mapping.byteSize() - dataOffset;
        for (GgufTensorInfo t : tensors.values()) {
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw in.error("tensor " + GgufCursor.quote(t.name()) + " data offset " + Long.toUnsignedString(t.offset())
                        + " is not a multiple of the alignment " + alignment);
            }
            long bytes = t.byteSize();
            if (dataSize < 0 || t.offset() > dataSize || bytes > dataSize - t.offset()) {
                throw in.error("tensor " + GgufCursor.quote(t.name()) + " (" + bytes + " bytes at data offset " + t.offset()
                        + ") lies outside the file (data section has " + Math.max(0, dataSize) + " bytes): file truncated?");
            }
        }
        return new GgufFile(path, arena, mapping, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), dataOffset, alignment);
    }

    /** {@code general.alignment}: the spec says UINT32; any integer type is accepted as long as it is a power of two. */
    private static int readAlignment(GgufCursor in, GgufValue value) {
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (value.isArray() || !(value.value() instanceof Long a) || a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw in.error("invalid " + ALIGNMENT_KEY + " " + GgufCursor.quote(String.valueOf(value))
                    + " (must be a power of two up to " + MAX_ALIGNMENT + ")");
        }
        return (int) (long) a;
    }

    private static GgufTensorInfo readTensorInfo(GgufCursor in, long index) {
        String name = in.string("name of tensor #" + index, MAX_KEY_BYTES);
        String quoted = GgufCursor.quote(name);
        long at = in.position();
        int nDims = in.i32("dimension count of tensor " + quoted);
        // GGML tensors have at most 4 dimensions; 0 is a scalar (llama.cpp reads it as one element).
        if (nDims < 0 || nDims > MAX_DIMS) {
            throw in.error("tensor " + quoted + " has " + Integer.toUnsignedString(nDims) + " dimensions at byte " + at
                    + " (GGML allows at most " + MAX_DIMS + ")");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.i64("dimension " + d + " of tensor " + quoted);
            if (dims[d] < 0) {
                throw in.error("tensor " + quoted + " has absurd dimension " + d + " = " + Long.toUnsignedString(dims[d]));
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw in.error("tensor " + quoted + " has shape " + java.util.Arrays.toString(dims)
                        + " whose element count overflows 64 bits");
            }
        }
        at = in.position();
        int typeId = in.i32("type of tensor " + quoted);
        GgmlType type = GgmlType.fromId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw in.error("tensor " + quoted + " has unknown tensor type id " + Integer.toUnsignedString(typeId) + " at byte " + at);
        }
        long rowLength = nDims == 0 ? 1 : dims[0];
        if (rowLength % type.blockSize() != 0) {
            throw in.error("tensor " + quoted + " row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.typeSize()) {
            throw in.error("tensor " + quoted + " of shape " + java.util.Arrays.toString(dims) + " and type " + type
                    + " has a byte size that overflows 64 bits");
        }
        long offset = in.i64("data offset of tensor " + quoted);
        return new GgufTensorInfo(name, dims, type, offset);
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /**
     * Byte offset of the data section within the file: the end of the tensor infos rounded up to the
     * alignment. For a file without tensors that was written without the final padding (as gguf-py
     * writes vocab-only files) this is past {@link #fileSize()}.
     */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    /** All metadata in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Typed accessors over the metadata. */
    public GgufMetadata meta() {
        return new GgufMetadata(path.getFileName() == null ? path.toString() : path.getFileName().toString(), metadata);
    }

    /** All tensors in file order. */
    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public List<GgufTensorInfo> tensorList() {
        return List.copyOf(tensors.values());
    }

    public GgufTensorInfo tensor(String name) {
        return tensors.get(name);
    }

    /**
     * The tensor's bytes as a zero-copy, read-only slice of the mapping; {@code info} must come from
     * this file. Valid until {@link #close}.
     */
    public MemorySegment tensorData(GgufTensorInfo info) {
        return mapping.asSlice(dataOffset + info.offset(), info.byteSize());
    }

    /** The whole mapping (read-only). */
    public MemorySegment mapping() {
        return mapping;
    }

    @Override
    public void close() {
        arena.close();
    }
}
