package dev.caravel.tools.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * One file's bytes into {@code blobs/{etag}.incomplete}: resumed from what is already there with an HTTP
 * Range request, retried with exponential back-off on 5xx answers and dropped or stalled connections, and
 * hashed as it is written so that the SHA-256 check costs no second read. A failed check deletes the file.
 */
final class Download {
    private static final int BUFFER = 1 << 20;

    private final HubClient client;
    private final URI uri;
    private final Path target;
    private final long size;
    private final String sha256;
    private final String label;
    private final Progress progress;

    /** @param size the expected length (-1 if unknown); @param sha256 the expected hash (null: not checked) */
    Download(HubClient client, URI uri, Path target, long size, String sha256, String label, Progress progress) {
        this.client = client;
        this.uri = uri;
        this.target = target;
        this.size = size;
        this.sha256 = sha256;
        this.label = label;
        this.progress = progress;
    }

    /** Fetches the rest of the file; on return {@code target} holds exactly the published bytes. */
    void run() throws IOException {
        MessageDigest digest = sha256();
        long have = Files.exists(target) ? Files.size(target) : 0;
        if (size >= 0 && have > size) {
            truncate(0); // longer than the file can be: not a prefix of it
            have = 0;
        }
        hashPrefix(digest, have);
        HubConfig config = client.config();
        int attempts = config.retries() + 1;
        int failures = 0;
        progress.start(label, size, have);
        boolean ok = false;
        try {
            while (size < 0 || have < size) {
                long before = have;
                try {
                    long[] state = {have};
                    boolean complete = transfer(digest, state);
                    have = state[0];
                    if (complete) {
                        break;
                    }
                    throw new IOException("connection closed after " + have + " of " + size + " bytes");
                } catch (Retry | IOException e) {
                    if (e instanceof IOException io && diskFull(io)) {
                        throw diskFullError(io);
                    }
                    have = Files.exists(target) ? Files.size(target) : 0;
                    if (e instanceof Retry r && r.restart) {
                        truncate(0);
                        digest = sha256();
                        have = 0;
                    } else if (have < before) {
                        digest = sha256(); // cannot happen with one writer, but never hash a prefix twice
                        hashPrefix(digest, have);
                    }
                    failures = have > before ? 1 : failures + 1; // progress made: the connection was not hopeless
                    if (failures >= attempts) {
                        throw new HubException(HubException.Kind.NETWORK, "downloading " + label + " from " + uri.getHost()
                                + " failed " + attempts + " times in a row (" + reason(e) + "); " + have
                                + " bytes are kept and the next pull resumes from there");
                    }
                    Duration wait = client.backoff(failures);
                    progress.retry(failures, attempts, reason(e), wait);
                    HubClient.sleep(wait);
                }
            }
            ok = true;
        } finally {
            progress.finish(ok);
        }
        if (sha256 != null) {
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equalsIgnoreCase(sha256)) {
                Files.deleteIfExists(target);
                throw new HubException(HubException.Kind.CHECKSUM, "checksum mismatch for " + label + ": expected SHA-256 "
                        + sha256 + ", got " + got + "; the corrupt download was deleted, run the command again");
            }
        }
    }

    /** A failure worth another attempt; {@code restart} when the bytes on disk are no use. */
    private static final class Retry extends Exception {
        final boolean restart;

        Retry(String message, boolean restart) {
            super(message, null, false, false);
            this.restart = restart;
        }
    }

    /**
     * One request: appends what the server sends to the file; {@code state[0]} follows the length on disk.
     * Returns true when the file is complete.
     */
    private boolean transfer(MessageDigest digest, long[] state) throws IOException, Retry {
        long have = state[0];
        String range = have > 0 ? "bytes=" + have + "-" : null;
        HttpResponse<InputStream> r = client.follow(uri, "GET", range, HttpResponse.BodyHandlers.ofInputStream(), false);
        int s = r.statusCode();
        try (InputStream body = r.body()) {
            if (s >= 500 || s == 429) {
                throw new Retry("HTTP " + s, false);
            }
            if (s == 416 && size >= 0 && have == size) {
                return true;
            }
            if (s == 416) {
                throw new Retry("the server refused to resume at byte " + have, true);
            }
            if (s != 200 && s != 206) {
                String[] parts = label.split("/", 3);
                throw client.httpError(s, r.headers(), parts[0] + "/" + parts[1], parts.length > 2 ? parts[2] : label);
            }
            if (s == 206) {
                long start = r.headers().firstValue("content-range").map(Download::rangeStart).orElse(-1L);
                if (start != have) {
                    throw new Retry("the server resumed at the wrong byte (" + start + " instead of " + have + ")", true);
                }
            } else if (have > 0) {
                // 200 to a Range request: the whole file comes again, so start over.
                truncate(0);
                digest.reset();
                have = 0;
                state[0] = 0;
                progress.start(label, size, 0);
            }
            try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 Watchdog watchdog = new Watchdog(body, client.config().stallTimeout())) {
                out.position(have);
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = readSome(body, buffer, watchdog)) > 0) { // -1 at the end
                    if (size >= 0 && have + n > size) {
                        throw new Retry("the server sent more than the " + size + " bytes announced", true);
                    }
                    ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                    digest.update(buffer, 0, n);
                    have += n;
                    state[0] = have;
                    watchdog.alive();
                    progress.update(have);
                }
                out.force(false);
            }
        }
        return size < 0 || have == size;
    }

    private static int readSome(InputStream in, byte[] buffer, Watchdog watchdog) throws IOException {
        try {
            return in.read(buffer, 0, buffer.length); // what has arrived, so the watchdog sees slow progress as progress
        } catch (IOException e) {
            if (watchdog.fired()) {
                throw new IOException("no data for " + watchdog.timeout.toSeconds() + " s", e);
            }
            throw e;
        }
    }

    private static long rangeStart(String contentRange) {
        // "bytes 100-199/200"
        try {
            String v = contentRange.strip();
            int space = v.indexOf(' ');
            int dash = v.indexOf('-');
            return Long.parseLong(v.substring(space + 1, dash).strip());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private void hashPrefix(MessageDigest digest, long length) throws IOException {
        if (length == 0) {
            return;
        }
        try (InputStream in = Files.newInputStream(target)) {
            byte[] buffer = new byte[BUFFER];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
        }
    }

    private void truncate(long length) throws IOException {
        if (Files.exists(target)) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                ch.truncate(length);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** What went wrong, for the retry line: the JDK's body stream says only "closed" and keeps the cause below. */
    private static String reason(Exception e) {
        if (e instanceof Retry) {
            return e.getMessage();
        }
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank() && !t.getMessage().equals("closed")) {
                message = t.getMessage();
                break;
            }
        }
        return "connection lost" + (message != null ? " (" + message + ")" : "");
    }

    static boolean diskFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left") || m.contains("not enough space") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    private HubException diskFullError(IOException e) {
        return new HubException(HubException.Kind.DISK, "disk full while writing " + target.getParent()
                + "; free some space (or set HF_HOME to another disk) and run the command again to resume", e);
    }

    /** Closes the body of a transfer that receives nothing for too long, which ends the blocked read. */
    private static final class Watchdog implements AutoCloseable {
        final Duration timeout;
        private final InputStream body;
        private final Thread thread;
        private volatile long lastNanos = System.nanoTime();
        private volatile boolean fired;
        private volatile boolean closed;

        Watchdog(InputStream body, Duration timeout) {
            this.body = body;
            this.timeout = timeout;
            this.thread = Thread.ofVirtual().name("caravel-download-watchdog").start(this::watch);
        }

        private void watch() {
            long tick = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
            while (!closed) {
                try {
                    Thread.sleep(tick);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed && System.nanoTime() - lastNanos > timeout.toNanos()) {
                    fired = true;
                    try {
                        body.close();
                    } catch (IOException ignored) {
                        // closing is all it can do
                    }
                    return;
                }
            }
        }

        void alive() {
            lastNanos = System.nanoTime();
        }

        boolean fired() {
            return fired;
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
        }
    }
}
