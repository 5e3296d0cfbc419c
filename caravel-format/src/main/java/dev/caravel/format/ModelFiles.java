package dev.caravel.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What the GGUF and safetensors readers and writers do alike with their files: map a whole file read-only
 * (weights are views of the mapping, never copies), and write under a temporary name that is moved into place
 * only when the file is complete, so a failed write never leaves a truncated model behind.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** Makes the format's exception for a message, with the I/O failure behind it or null. */
    @FunctionalInterface
    public interface Errors {
        RuntimeException error(String message, IOException cause);
    }

    /** Parses a mapped file; the result owns {@code arena} (closing it unmaps the file). */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path path, Arena arena, MemorySegment mapping);
    }

    /**
     * Maps {@code path} into a shared arena and parses it; on any failure the arena is closed and the error is
     * one line naming the file.
     *
     * @param kind the format's name, for the message about a directory ("GGUF", "safetensors")
     */
    public static <T> T mapAndParse(Path path, String kind, Errors errors, Parser<T> parser) {
        String name = path.toString();
        if (Files.isDirectory(path)) {
            throw errors.error(name + ": is a directory, not a " + kind + " file", null);
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapping = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parser.parse(path, arena, mapping);
        } catch (NoSuchFileException e) {
            arena.close();
            throw errors.error(name + ": no such file", null);
        } catch (IOException e) {
            arena.close();
            throw errors.error(name + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** A new, empty, world-readable file beside {@code absoluteTarget}, to be moved there by {@link #moveIntoPlace}. */
    public static Path createPartial(Path absoluteTarget) throws IOException {
        Path temp = Files.createTempFile(absoluteTarget.getParent(), "." + absoluteTarget.getFileName(), ".partial");
        try {
            // createTempFile makes the file private (rw-------); a model file is ordinarily world-readable.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    /** Replaces {@code target} with the finished {@code temp}: atomically where the file system can. */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
