package dev.caravel.format.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped read-only.
 *
 * <p>Layout: u64 little-endian header length N, N bytes of UTF-8 JSON (an object mapping each tensor
 * name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an optional
 * {@code "__metadata__"} object of strings), then the data buffer; offsets are relative to the
 * buffer. Opening validates everything the data depends on — header bounds, JSON, each entry's
 * fields, that {@code end - begin} matches shape × dtype, that the tensors lie inside the file and
 * cover the buffer without overlap or holes (as the reference implementation requires) — so a
 * truncated or corrupt file is a one-line {@link SafetensorsFormatException} naming the file and the
 * tensor, never an exception from deeper down. Tensor data is never copied: {@link #data} is a
 * slice of the mapping, valid until {@link #close}.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's cap on the header; bounds work on a lying length. */
    static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataStart;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, long dataStart,
                            Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Maps and validates {@code path}.
     *
     * @throws SafetensorsFormatException if it cannot be read or is not a well-formed safetensors file
     */
    public static SafetensorsFile open(Path path) {
        return dev.caravel.format.ModelFiles.mapAndParse(path, "safetensors",
                (message, cause) -> cause == null ? new SafetensorsFormatException(message) : new SafetensorsFormatException(message, cause),
                SafetensorsFile::parse);
    }

    private static SafetensorsFormatException error(Path path, String message) {
        return new SafetensorsFormatException(path + ": " + message);
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment mapping) {
        long size = mapping.byteSize();
        if (size < 8) {
            throw error(path, "not a safetensors file (only " + size + " bytes, truncated?)");
        }
        long headerLength = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > MAX_HEADER) {
            throw error(path, "not a safetensors file (header length " + Long.toUnsignedString(headerLength)
                    + " is outside 2.." + MAX_HEADER + ")");
        }
        if (headerLength > size - 8) {
            throw error(path, "header of " + headerLength + " bytes runs past the end of the file (" + size + " bytes): file truncated?");
        }
        byte[] headerBytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(path, "header is not valid UTF-8");
        }
        if (!header.startsWith("{")) {
            throw error(path, "not a safetensors file (header does not start with '{')");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw error(path, "header is not valid JSON (" + e.getOriginalMessage().replace('\n', ' ') + ")");
        }
        if (root == null || !root.isObject()) {
            throw error(path, "header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(path, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readEntry(path, e.getKey(), e.getValue()));
            }
        }
        checkLayout(path, tensors, dataSize);
        return new SafetensorsFile(path, arena, mapping, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw error(path, "__metadata__ is not an object");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw error(path, "__metadata__ value '" + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
    }

    private static SafetensorsTensor readEntry(Path path, String name, JsonNode node) {
        String what = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw error(path, what + ": header entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw error(path, what + ": missing dtype");
        }
        SafetensorsDType dtype = SafetensorsDType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw error(path, what + ": unknown dtype '" + dtypeNode.asText() + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw error(path, what + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw error(path, what + ": shape " + shapeNode + " has a bad dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw error(path, what + ": shape " + shapeNode + " overflows 64 bits");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw error(path, what + ": data_offsets must be [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw error(path, what + ": bad data_offsets [" + begin + ", " + end + "]");
        }
        if (elements > Long.MAX_VALUE / dtype.size() || end - begin != elements * dtype.size()) {
            throw error(path, what + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but shape " + shapeNode + " of " + dtype + " needs " + elements * dtype.size());
        }
        return new SafetensorsTensor(name, dtype, shape, begin, end);
    }

    /** Tensors must lie in the data buffer and tile it: no overlap, no holes, nothing after the last. */
    private static void checkLayout(Path path, Map<String, SafetensorsTensor> tensors, long dataSize) {
        List<SafetensorsTensor> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(SafetensorsTensor::begin).thenComparingLong(SafetensorsTensor::end));
        long at = 0;
        for (SafetensorsTensor t : sorted) {
            if (t.end() > dataSize) {
                throw error(path, "tensor '" + t.name() + "' (bytes " + t.begin() + ".." + t.end()
                        + " of the data) lies outside the file (data buffer has " + dataSize + " bytes): file truncated?");
            }
            if (t.begin() < at) {
                throw error(path, "tensor '" + t.name() + "' overlaps the tensor before it (bytes " + t.begin() + ".." + t.end() + ")");
            }
            if (t.begin() > at) {
                throw error(path, "hole of " + (t.begin() - at) + " bytes in the data buffer before tensor '" + t.name() + "'");
            }
            at = t.end();
        }
        if (at != dataSize) {
            throw error(path, (dataSize - at) + " unexpected bytes after the last tensor");
        }
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** The {@code __metadata__} strings (empty if none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor's bytes, a zero-copy slice of the mapping; {@code t} must come from this file. */
    public MemorySegment data(SafetensorsTensor t) {
        return mapping.asSlice(dataStart + t.begin(), t.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
