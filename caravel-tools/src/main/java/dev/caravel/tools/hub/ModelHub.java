package dev.caravel.tools.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Models by name: a local file, a file in the Hugging Face cache, or a file pulled from the Hub into that
 * cache. {@link #resolve} is what commands taking {@code -m} call; {@link #pull} always asks the Hub which
 * commit main is at (and fetches it if it changed); {@link #cached} never touches the network.
 */
public final class ModelHub {
    /** A file in the cache, and whether this call downloaded it. */
    public record Pulled(String repo, String file, String commit, Path path, long size, boolean downloaded) {
    }

    private final HubConfig config;
    private final HubCache cache;
    private final HubClient client;
    private final Progress progress;
    private final Consumer<String> log;

    /** @param log one-line notes for the user (what is pulled from where; cache fallbacks) */
    public ModelHub(HubConfig config, Progress progress, Consumer<String> log) {
        this.config = config;
        this.cache = new HubCache(config.cacheDir());
        this.client = new HubClient(config);
        this.progress = progress;
        this.log = log;
    }

    public HubCache cache() {
        return cache;
    }

    public HubConfig config() {
        return config;
    }

    /**
     * The local file a {@code -m} value names: an existing file as it is; a short name, repository or file in a
     * repository from the cache, else pulled (unless offline).
     */
    public Path resolve(String text) {
        Path local = null;
        try {
            local = Path.of(text);
        } catch (InvalidPathException e) {
            // not a path on this system: maybe a model reference
        }
        if (local != null && Files.isRegularFile(local)) {
            return local;
        }
        if (local != null && Files.isDirectory(local)) {
            throw new HubException(HubException.Kind.USAGE, text + ": is a directory, not a GGUF file");
        }
        if (!ModelRef.looksLikeRef(text)) {
            throw new HubException(HubException.Kind.USAGE, text + ": no such file (a model to pull is named like "
                    + "qwen2.5:0.5b or org/repo[/file.gguf])");
        }
        ModelRef ref = ModelRef.parse(text);
        Optional<HubCache.CachedFile> hit = cached(ref);
        if (hit.isPresent()) {
            return hit.get().path();
        }
        return pull(ref).path();
    }

    /** The cached file the reference names, without asking the Hub. */
    public Optional<HubCache.CachedFile> cached(ModelRef ref) {
        List<HubCache.CachedFile> files = cache.list(ref.repo());
        if (ref.file() != null) {
            return files.stream().filter(f -> f.file().equals(ref.file())).findFirst();
        }
        List<String> names = files.stream().map(HubCache.CachedFile::file).distinct().toList();
        List<String> fit = GgufNames.withQuant(names, ref.quantOrDefault());
        if (fit.isEmpty() && ref.quant() == null && names.size() == 1) {
            fit = names; // a repository with one model file needs no quantization to pick it
        }
        List<String> chosen = fit;
        return files.stream().filter(f -> chosen.contains(f.file())).findFirst();
    }

    /** Every cached file the reference covers: a file, the files of a quantization, or all of a repository. */
    public List<HubCache.CachedFile> matching(ModelRef ref) {
        List<HubCache.CachedFile> files = cache.list(ref.repo());
        if (ref.file() != null) {
            return files.stream().filter(f -> f.file().equals(ref.file())).toList();
        }
        if (ref.quant() == null) {
            return files;
        }
        List<String> fit = GgufNames.withQuant(files.stream().map(HubCache.CachedFile::file).toList(), ref.quant());
        return files.stream().filter(f -> fit.contains(f.file())).toList();
    }

    /**
     * Brings the file the reference names up to date with main: nothing is downloaded when the cache already
     * holds its bytes. Offline, or when the Hub cannot be reached and the cache has a copy, the cached copy is
     * the answer.
     */
    public Pulled pull(ModelRef ref) {
        if (config.offline()) {
            return cached(ref).map(f -> new Pulled(f.repo(), f.file(), f.commit(), f.path(), f.size(), false))
                    .orElseThrow(() -> new HubException(HubException.Kind.OFFLINE, ref.display()
                            + " is not in the model cache (" + config.cacheDir() + ") and offline mode is on "
                            + "(HF_HUB_OFFLINE or --offline); pull it while online, or give a local GGUF file with -m"));
        }
        String file;
        String treeSha = null;
        try {
            if (ref.file() != null) {
                file = ref.file();
            } else {
                List<HubClient.RemoteFile> listing = client.listFiles(ref.repo());
                file = choose(ref, listing);
                treeSha = listing.stream().filter(f -> f.path().equals(file)).findFirst().map(HubClient.RemoteFile::sha256).orElse(null);
            }
            HubClient.FileInfo info = client.head(ref.repo(), "main", file);
            return fetch(ref.repo(), file, info, treeSha);
        } catch (HubException e) {
            if (e.kind() == HubException.Kind.NOT_FOUND && ref.shortName() != null) {
                // The table of short names may be behind the Hub (a repository renamed or removed).
                throw new HubException(e.kind(), e.getMessage() + "; '" + ref.shortName() + "' is a short name for "
                        + ref.repo() + " (known names: " + ModelRegistry.names() + "; any repository works as org/name)", e);
            }
            if (e.kind() == HubException.Kind.NETWORK) {
                Optional<HubCache.CachedFile> hit = cached(ref);
                if (hit.isPresent()) {
                    log.accept(e.getMessage().replaceFirst(";.*", "") + "; using the cached copy");
                    HubCache.CachedFile f = hit.get();
                    return new Pulled(f.repo(), f.file(), f.commit(), f.path(), f.size(), false);
                }
            }
            throw e;
        }
    }

    private Pulled fetch(String repo, String file, HubClient.FileInfo info, String treeSha) {
        String sha = info.sha256() != null ? info.sha256() : treeSha;
        Path blob = cache.blob(repo, info.etag());
        try {
            if (Files.isRegularFile(blob) && (info.size() < 0 || Files.size(blob) == info.size())) {
                Path path = cache.link(repo, info.commit(), file, info.etag(), true);
                return new Pulled(repo, file, info.commit(), path, Files.size(blob), false);
            }
            Files.createDirectories(blob.getParent());
            Path incomplete = cache.incomplete(repo, info.etag());
            Path lockFile = cache.root().resolve(".locks").resolve(cache.repoDir(repo).getFileName()).resolve(info.etag() + ".lock");
            Files.createDirectories(lockFile.getParent());
            try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = tryLock(lockChannel, repo + "/" + file)) {
                checkSpace(blob.getParent(), info.size(), Files.exists(incomplete) ? Files.size(incomplete) : 0, file);
                log.accept("pulling " + repo + "/" + file + " (" + (info.size() >= 0 ? ProgressBar.bytes(info.size()) : "size unknown")
                        + ") from " + config.host());
                new Download(client, client.resolveUri(repo, info.commit(), file), incomplete, info.size(), sha,
                        repo + "/" + file, progress).run();
                Files.move(incomplete, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Path path = cache.link(repo, info.commit(), file, info.etag(), true);
            return new Pulled(repo, file, info.commit(), path, Files.size(blob), true);
        } catch (IOException e) {
            if (Download.diskFull(e)) {
                throw new HubException(HubException.Kind.DISK, "disk full while writing " + blob.getParent()
                        + "; free some space (or set HF_HOME to another disk) and run the command again to resume", e);
            }
            throw new HubException(HubException.Kind.DISK, "cannot write the model cache " + config.cacheDir() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
        }
    }

    private static FileLock tryLock(FileChannel channel, String what) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new HubException(HubException.Kind.USAGE, "another download of " + what + " is running; wait for it to end");
        }
        return lock;
    }

    private void checkSpace(Path dir, long size, long have, String file) throws IOException {
        if (size < 0) {
            return;
        }
        long need = size - have;
        long free = Files.getFileStore(dir).getUsableSpace();
        if (need > free) {
            throw new HubException(HubException.Kind.DISK, "not enough disk space for " + file + ": "
                    + ProgressBar.bytes(need) + " needed, " + ProgressBar.bytes(free) + " free in " + dir
                    + " (free some space, or set HF_HOME or HF_HUB_CACHE to another disk)");
        }
    }

    /** The file of a repository listing that the reference means: its quantization, single-file models only. */
    static String choose(ModelRef ref, List<HubClient.RemoteFile> listing) {
        List<String> gguf = listing.stream().map(HubClient.RemoteFile::path).filter(GgufNames::isGguf).toList();
        List<String> fit = GgufNames.withQuant(gguf, ref.quantOrDefault());
        if (fit.size() == 1) {
            return fit.getFirst();
        }
        List<String> whole = gguf.stream().filter(f -> !GgufNames.isSplitPart(f)).toList();
        if (fit.isEmpty() && ref.quant() == null && whole.size() == 1) {
            return whole.getFirst();
        }
        if (gguf.isEmpty()) {
            throw new HubException(HubException.Kind.NOT_FOUND, ref.repo() + " has no GGUF files"
                    + " (Caravel runs GGUF models; look for a repository named like " + ref.repo() + "-GGUF)");
        }
        String choices = (fit.isEmpty() ? whole : fit).stream().limit(30).map(f -> f + GgufNames.quant(f).map(q -> " (" + q + ")").orElse(""))
                .collect(Collectors.joining(", "));
        if (fit.isEmpty()) {
            String why = whole.isEmpty() ? " (only models split over several files, which Caravel cannot load yet)" : "";
            throw new HubException(HubException.Kind.NOT_FOUND, "no single-file " + ref.quantOrDefault() + " GGUF in "
                    + ref.repo() + why + (whole.isEmpty() ? "" : "; choose one: " + choices)
                    + (whole.isEmpty() ? "" : " (as " + ref.repo() + "/FILE or " + ref.repo() + ":QUANT)"));
        }
        throw new HubException(HubException.Kind.AMBIGUOUS, "several " + ref.quantOrDefault() + " files in " + ref.repo()
                + "; name one as " + ref.repo() + "/FILE: " + choices);
    }
}
