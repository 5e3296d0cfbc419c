package dev.caravel.format.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face checkpoint directory: one {@code model.safetensors}, or shards listed
 * by {@code model.safetensors.index.json} ({@code weight_map}: tensor name → shard file), or failing
 * both every {@code *.safetensors} file in the directory. All shards are memory-mapped; a tensor
 * named by the index but missing from its shard, a shard that does not exist, or a name in two
 * shards is a {@link SafetensorsFormatException} naming the file and the tensor.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    /** Where one tensor lives. */
    public record Entry(SafetensorsFile file, SafetensorsTensor tensor) {
        public String name() {
            return tensor.name();
        }

        public MemorySegment data() {
            return file.data(tensor);
        }

        /** Reads elements {@code [first, first + n)} (row-major) as floats into {@code dst[dstOff..]}. */
        public void readFloats(long first, float[] dst, int dstOff, int n) {
            if (!tensor.dtype().readableAsFloat()) {
                throw new SafetensorsFormatException(file.path() + ": tensor '" + tensor.name() + "' has dtype "
                        + tensor.dtype() + ", which cannot be converted (supported: F32, F16, BF16, F64, integer types)");
            }
            tensor.dtype().readFloats(data(), first * tensor.dtype().size(), dst, dstOff, n);
        }
    }

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, Entry> entries;

    private SafetensorsCheckpoint(Path directory, List<SafetensorsFile> files, Map<String, Entry> entries) {
        this.directory = directory;
        this.files = files;
        this.entries = entries;
    }

    /**
     * Opens the checkpoint in {@code directory} (or the single file {@code path}).
     *
     * @throws SafetensorsFormatException if there are no weights or any shard is malformed
     */
    public static SafetensorsCheckpoint open(Path path) {
        if (Files.isRegularFile(path)) {
            return fromFiles(path.toAbsolutePath().getParent(), List.of(path), null);
        }
        if (!Files.isDirectory(path)) {
            throw new SafetensorsFormatException(path + ": no such directory");
        }
        Path index = path.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return fromIndex(path, index);
        }
        Path single = path.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            return fromFiles(path, List.of(single), null);
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(path)) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new SafetensorsFormatException(path + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (all.isEmpty()) {
            throw new SafetensorsFormatException(path + ": no " + SINGLE + ", " + INDEX + " or other *.safetensors file");
        }
        return fromFiles(path, all, null);
    }

    private static SafetensorsCheckpoint fromIndex(Path dir, Path index) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new SafetensorsFormatException(index + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new SafetensorsFormatException(index + ": no weight_map");
        }
        Map<String, String> expected = new LinkedHashMap<>();
        List<Path> shards = new ArrayList<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            String shard = e.getValue().asText("");
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\")) {
                throw new SafetensorsFormatException(index + ": tensor '" + e.getKey() + "' maps to a bad shard name '" + shard + "'");
            }
            expected.put(e.getKey(), shard);
            Path p = dir.resolve(shard);
            if (!shards.contains(p)) {
                if (!Files.isRegularFile(p)) {
                    throw new SafetensorsFormatException(index + ": shard " + shard + " (holding '" + e.getKey() + "') is missing");
                }
                shards.add(p);
            }
        }
        return fromFiles(dir, shards, expected);
    }

    private static SafetensorsCheckpoint fromFiles(Path dir, List<Path> paths, Map<String, String> expected) {
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (SafetensorsTensor t : f.tensors().values()) {
                    Entry before = entries.putIfAbsent(t.name(), new Entry(f, t));
                    if (before != null) {
                        throw new SafetensorsFormatException(p + ": tensor '" + t.name() + "' is also in " + before.file().path().getFileName());
                    }
                }
            }
            if (expected != null) {
                for (var e : expected.entrySet()) {
                    Entry found = entries.get(e.getKey());
                    if (found == null || !found.file().path().getFileName().toString().equals(e.getValue())) {
                        throw new SafetensorsFormatException(dir.resolve(e.getValue()) + ": tensor '" + e.getKey()
                                + "' listed in " + INDEX + " is missing from this shard");
                    }
                }
            }
            return new SafetensorsCheckpoint(dir, List.copyOf(files), Collections.unmodifiableMap(entries));
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    /** Every tensor, shard by shard in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The named tensor, or null. */
    public Entry get(String name) {
        return entries.get(name);
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
