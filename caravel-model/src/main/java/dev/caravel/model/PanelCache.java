package dev.caravel.model;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tensor.PanelStore;
import dev.caravel.tensor.kernel.Panels;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Weight panels kept on disk ({@link PanelStore}): one directory per model file under a root, one file per matrix.
 * The first run of a model builds its panels as usual and writes them here in the background; later runs map these
 * files read-only, so they start without the repacking and hold one copy of each weight (the page cache's), as a
 * model read straight from its GGUF file would.
 *
 * <p>A model's directory is named by a digest of what identifies its file's weights: the file's size and modification
 * time, its tensor table, samples of its tensor data and {@link Panels#LAYOUT_VERSION}. Each panel file starts with a
 * header (magic, layout version, type, shape, size, that digest) checked before the file is mapped. Files are written
 * to a temporary name, flushed to disk and renamed, so a crash or a full disk leaves no partial file under a final
 * name. Directories not used recently are deleted once the root outgrows its budget.
 *
 * <p>Configured by the system property {@value #PROPERTY}: a directory, or unset / {@code off} for no cache (the
 * library default; the command line turns it on, see {@link #defaultRoot}).
 */
public final class PanelCache implements PanelStore {
    /** The cache root directory, or "off". */
    public static final String PROPERTY = "caravel.panel.cache";
    /** The most bytes the root may hold before its least recently used models are deleted (default 32 GiB). */
    public static final String BUDGET_PROPERTY = "caravel.panel.cache.bytes";

    private static final System.Logger LOG = System.getLogger("dev.caravel.model");
    private static final byte[] MAGIC = "CARAVELP".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = 4096; // the panels start page-aligned
    private static final String SUFFIX = ".panels";
    private static final int SAMPLES = 64;
    private static final int SAMPLE_BYTES = 4096;
    private static final long WRITE_SLICE = 64L << 20;

    /** One writer for the whole process: the saves queue behind each other and never hold up the model's threads. */
    private static final ExecutorService WRITER = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("caravel-panel-cache").daemon().unstarted(r));
    private static final List<Future<?>> PENDING = new ArrayList<>();
    private static boolean hookInstalled;

    private final Path dir;
    private final byte[] digest;
    private final long budget;
    private volatile boolean writable = true;
    private volatile boolean touched;

    private PanelCache(Path dir, byte[] digest, long budget) {
        this.dir = dir;
        this.digest = digest;
        this.budget = budget;
    }

    /**
     * The cache for {@code file}'s panels under the root named by {@value #PROPERTY}, or {@code null} when that is
     * unset, {@code off}, or panels are not used.
     */
    public static PanelStore forFile(GgufFile file) {
        Path root = configuredRoot();
        // without the Vector API kernels no matrix has panels: no digest to compute at start-up
        if (root == null || !dev.caravel.tensor.kernel.VectorWidth.enabled()) {
            return null;
        }
        long budget = Long.getLong(BUDGET_PROPERTY, 32L << 30);
        return open(root, file, budget);
    }

    /** The root named by {@value #PROPERTY}, or {@code null} when it is unset or {@code off}. */
    private static Path configuredRoot() {
        String root = System.getProperty(PROPERTY, "").trim();
        return root.isEmpty() || root.equalsIgnoreCase("off") ? null : Path.of(root);
    }

    /** The cache for {@code file}'s panels under {@code root}. */
    public static PanelCache open(Path root, GgufFile file, long budgetBytes) {
        byte[] digest = digest(file);
        return new PanelCache(root.resolve(HexFormat.of().formatHex(digest, 0, 12)), digest, budgetBytes);
    }

    /**
     * The root the command line uses unless {@code CARAVEL_PANEL_CACHE} names another (or {@code off}):
     * {@code $XDG_CACHE_HOME/caravel/panels}, else {@code ~/.cache/caravel/panels}.
     */
    public static String defaultRoot(java.util.Map<String, String> env, Path home) {
        String chosen = env.get("CARAVEL_PANEL_CACHE");
        if (chosen != null && !chosen.isBlank()) {
            return chosen.trim();
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache");
        return base.resolve("caravel").resolve("panels").toString();
    }

    /**
     * The directory that holds (or would hold) the panels of the model file at {@code model} under the root named
     * by {@value #PROPERTY}, or {@code null} when there is no cache or the file is not a readable GGUF file. For
     * removing a model together with its panels ({@code caravel rm}).
     */
    public static Path directoryFor(Path model) {
        Path root = configuredRoot();
        if (root == null) {
            return null;
        }
        try (GgufFile file = GgufFile.open(model)) {
            return open(root, file, 0).directory();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Deletes a model's panel directory; returns the bytes it held (0 when it was not there or not deletable). */
    public static long delete(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            long bytes = sizeOf(dir);
            deleteTree(dir);
            return bytes;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** This model's directory. */
    public Path directory() {
        return dir;
    }

    @Override
    public MemorySegment find(String name, GgmlType type, int rows, int cols, long bytes) {
        Path path = dir.resolve(fileName(name));
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() != HEADER_BYTES + bytes) {
                return null;
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            while (header.hasRemaining() && ch.read(header) >= 0) {
                // read the whole header
            }
            header.flip();
            if (!header.equals(header(type, rows, cols, bytes).flip())) {
                return null;
            }
            touch();
            return ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, bytes, Arena.ofAuto());
        } catch (IOException | RuntimeException e) {
            return null; // no entry, or one that cannot be read: the panels are built as usual
        }
    }

    @Override
    public void save(String name, GgmlType type, int rows, int cols, MemorySegment panels) {
        if (!writable) {
            return;
        }
        synchronized (PENDING) {
            PENDING.removeIf(Future::isDone);
            PENDING.add(WRITER.submit(() -> write(name, type, rows, cols, panels)));
            if (!hookInstalled) {
                hookInstalled = true;
                // a short run (run -n 1) ends while the saves are queued: let them finish, within a bound
                Runtime.getRuntime().addShutdownHook(new Thread(PanelCache::awaitSaves, "caravel-panel-cache-flush"));
            }
        }
    }

    /** Waits (at most 30 s) for the queued saves of every cache in this process. */
    public static void awaitSaves() {
        List<Future<?>> pending;
        synchronized (PENDING) {
            pending = new ArrayList<>(PENDING);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Future<?> f : pending) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                return; // a save that fails or takes too long leaves only its temporary file
            }
        }
    }

    private void write(String name, GgmlType type, int rows, int cols, MemorySegment panels) {
        if (!writable) {
            return;
        }
        Path target = dir.resolve(fileName(name));
        Path tmp = dir.resolve(fileName(name) + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            boolean fresh = !Files.isDirectory(dir);
            Files.createDirectories(dir);
            if (fresh) {
                started();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeFully(ch, header(type, rows, cols, panels.byteSize()).flip());
                for (long at = 0; at < panels.byteSize(); at += WRITE_SLICE) {
                    writeFully(ch, panels.asSlice(at, Math.min(WRITE_SLICE, panels.byteSize() - at)).asByteBuffer());
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            writable = false; // a full disk or a read-only directory: stop trying for this model
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
            LOG.log(System.Logger.Level.WARNING, "could not keep repacked weights in " + dir + " (" + e.getMessage()
                    + "); the next run repacks them again");
        }
    }

    /** A new model directory (the writer is one thread, so this runs once): say so, and keep the root within its budget. */
    private void started() {
        LOG.log(System.Logger.Level.INFO, "keeping this model's repacked weights in " + dir
                + " so that later runs start faster (set " + PROPERTY + "=off or CARAVEL_PANEL_CACHE=off to turn this off)");
        prune(dir.getParent(), budget, dir);
        deleteStaleTemporaries(dir);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private ByteBuffer header(GgmlType type, int rows, int cols, long bytes) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(Panels.LAYOUT_VERSION).putInt(type.id()).putInt(rows).putInt(cols).putLong(bytes).put(digest);
        b.position(HEADER_BYTES);
        return b;
    }

    /** Marks the model's directory as used now (the pruning deletes the least recently used first). */
    private void touch() {
        if (touched) {
            return;
        }
        touched = true;
        try {
            Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException | RuntimeException ignored) {
            // only the pruning order depends on it
        }
    }

    /** Deletes the least recently used model directories (never {@code keep}) until the root holds at most {@code budget} bytes. */
    static void prune(Path root, long budget, Path keep) {
        try (var entries = Files.list(root)) {
            record Entry(Path dir, long bytes, long used) {
            }
            List<Entry> all = new ArrayList<>();
            for (Path d : entries.toList()) {
                if (Files.isDirectory(d)) {
                    all.add(new Entry(d, sizeOf(d), Files.getLastModifiedTime(d).toMillis()));
                }
            }
            long total = all.stream().mapToLong(Entry::bytes).sum();
            all.sort(java.util.Comparator.comparingLong(Entry::used));
            for (Entry e : all) {
                if (total <= budget) {
                    break;
                }
                if (!e.dir().equals(keep)) {
                    deleteTree(e.dir());
                    total -= e.bytes();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // pruning is housekeeping; a failure leaves more on disk, nothing else
        }
    }

    /** Temporary files of processes that no longer run (killed while saving). */
    private static void deleteStaleTemporaries(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (!n.endsWith(".tmp")) {
                    continue;
                }
                String[] parts = n.split("\\.");
                try {
                    long pid = Long.parseLong(parts[parts.length - 2]);
                    if (ProcessHandle.of(pid).isEmpty()) {
                        Files.deleteIfExists(f);
                    }
                } catch (NumberFormatException ignored) {
                    // not one of ours
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // housekeeping only
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            long sum = 0;
            for (Path f : files.toList()) {
                sum += Files.size(f);
            }
            return sum;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** A file name for a tensor name: GGUF names are ASCII words and dots, anything else is replaced. */
    private static String fileName(String tensor) {
        StringBuilder b = new StringBuilder(tensor.length() + SUFFIX.length());
        for (int i = 0; i < tensor.length(); i++) {
            char c = tensor.charAt(i);
            b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-') ? c : '_');
        }
        if (b.isEmpty() || b.charAt(0) == '.') {
            b.insert(0, '_');
        }
        return b.append(SUFFIX).toString();
    }

    /**
     * What identifies the weights of {@code file}: size and modification time, the tensor table, {@value #SAMPLES}
     * samples of the tensor data, and the panel layout version.
     */
    static byte[] digest(GgufFile file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            b.put(MAGIC).putInt(Panels.LAYOUT_VERSION).putLong(file.fileSize()).putLong(file.dataOffset());
            try {
                b.putLong(Files.getLastModifiedTime(file.path()).toMillis());
            } catch (IOException | RuntimeException e) {
                b.putLong(-1);
            }
            md.update(b.flip());
            for (GgufTensorInfo t : file.tensorList()) {
                md.update(t.name().getBytes(StandardCharsets.UTF_8));
                md.update(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(t.type().id())
                        .putLong(t.offset()).putLong(t.byteSize()).putInt(t.dims().length).flip());
                for (long d : t.dims()) {
                    md.update(ByteBuffer.allocate(8).putLong(d).flip());
                }
            }
            MemorySegment data = file.mapping();
            long start = file.dataOffset();
            long span = data.byteSize() - start;
            for (int i = 0; i < SAMPLES && span > 0; i++) {
                long at = start + span * i / SAMPLES;
                long n = Math.min(SAMPLE_BYTES, data.byteSize() - at);
                md.update(data.asSlice(at, n).asByteBuffer());
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
