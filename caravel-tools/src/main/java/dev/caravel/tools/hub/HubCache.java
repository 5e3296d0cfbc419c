package dev.caravel.tools.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Hugging Face cache layout, shared with huggingface_hub, llama.cpp and other tools:
 * <pre>
 * {cache}/models--{org}--{name}/blobs/{etag}                 the bytes (etag = sha256 for LFS files)
 * {cache}/models--{org}--{name}/blobs/{etag}.incomplete      a download in progress (resumed from its length)
 * {cache}/models--{org}--{name}/snapshots/{commit}/{file}    a relative symbolic link to the blob
 * {cache}/models--{org}--{name}/refs/main                    the commit that main pointed to
 * </pre>
 */
public final class HubCache {
    /** One file of a snapshot. */
    public record CachedFile(String repo, String commit, String file, Path path, long size, boolean current) {
        public String quant() {
            return GgufNames.quant(file).orElse("-");
        }
    }

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path repoDir(String repo) {
        return root.resolve("models--" + repo.replace("/", "--"));
    }

    public Path blob(String repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag);
    }

    public Path incomplete(String repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag + ".incomplete");
    }

    public Path snapshot(String repo, String commit, String file) {
        return repoDir(repo).resolve("snapshots").resolve(commit).resolve(file);
    }

    /** The commit {@code refs/main} names, if any. */
    public Optional<String> ref(String repo) {
        Path ref = repoDir(repo).resolve("refs").resolve("main");
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return commit.isEmpty() ? Optional.empty() : Optional.of(commit);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes {@code snapshots/{commit}/{file}} point at the blob (replacing what was there) and, when
     * {@code updateRef}, {@code refs/main} name the commit. Where the file system has no symbolic links the
     * blob is moved into the snapshot instead, as huggingface_hub does.
     */
    public Path link(String repo, String commit, String file, String etag, boolean updateRef) throws IOException {
        Path blob = blob(repo, etag);
        Path snap = snapshot(repo, commit, file);
        Files.createDirectories(snap.getParent());
        Files.deleteIfExists(snap);
        try {
            Files.createSymbolicLink(snap, snap.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.move(blob, snap, StandardCopyOption.REPLACE_EXISTING);
        }
        if (updateRef) {
            Path ref = repoDir(repo).resolve("refs").resolve("main");
            Files.createDirectories(ref.getParent());
            Path tmp = ref.resolveSibling("main.tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return snap;
    }

    /** The GGUF files of every cached repository, current snapshot first within a repository. */
    public List<CachedFile> list() {
        List<CachedFile> all = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return all;
        }
        try (DirectoryStream<Path> repos = Files.newDirectoryStream(root, "models--*")) {
            List<Path> dirs = new ArrayList<>();
            repos.forEach(dirs::add);
            dirs.sort(Comparator.comparing(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT)));
            for (Path dir : dirs) {
                String[] parts = dir.getFileName().toString().substring("models--".length()).split("--", 2);
                if (parts.length == 2) {
                    all.addAll(list(parts[0] + "/" + parts[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** The GGUF files cached for one repository (complete files only: a link whose blob is gone is skipped). */
    public List<CachedFile> list(String repo) {
        Path snapshots = repoDir(repo).resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return List.of();
        }
        String current = ref(repo).orElse(null);
        List<CachedFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(snapshots)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = snapshots.relativize(p);
                if (rel.getNameCount() < 2 || !GgufNames.isGguf(p.getFileName().toString()) || !Files.isRegularFile(p)) {
                    continue;
                }
                String commit = rel.getName(0).toString();
                String file = rel.subpath(1, rel.getNameCount()).toString().replace('\\', '/');
                files.add(new CachedFile(repo, commit, file, p, Files.size(p), commit.equals(current)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(Comparator.comparing((CachedFile f) -> !f.current()).thenComparing(CachedFile::file));
        return files;
    }

    /** The cached copy of {@code file}: from the commit refs/main names, else from any snapshot. */
    public Optional<CachedFile> find(String repo, String file) {
        return list(repo).stream().filter(f -> f.file().equals(file)).findFirst();
    }

    /**
     * Removes a file from its snapshot, and its blob when no other snapshot links to it; a repository left
     * without files goes entirely (refs, blobs, unfinished downloads). Returns the bytes freed.
     */
    public long remove(CachedFile f) throws IOException {
        Path dir = repoDir(f.repo());
        Path blob = Files.isSymbolicLink(f.path()) ? f.path().toRealPath() : null;
        long freed = 0;
        Files.delete(f.path());
        if (blob == null) {
            freed = f.size(); // the snapshot held the bytes itself
        } else if (!linkedFrom(dir.resolve("snapshots"), blob)) {
            freed = Files.size(blob);
            Files.delete(blob);
        }
        // Prune empty directories up to the snapshot root.
        Path parent = f.path().getParent();
        Path snapshots = dir.resolve("snapshots");
        while (parent != null && !parent.equals(snapshots) && isEmptyDir(parent)) {
            Files.delete(parent);
            parent = parent.getParent();
        }
        if (!hasFiles(snapshots)) {
            deleteTree(dir);
        }
        return freed;
    }

    private static boolean linkedFrom(Path snapshots, Path blob) throws IOException {
        Set<Path> targets = new HashSet<>();
        try (Stream<Path> walk = Files.walk(snapshots)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p) && Files.exists(p)) {
                    targets.add(p.toRealPath());
                }
            }
        }
        return targets.contains(blob);
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static boolean hasFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.anyMatch(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
