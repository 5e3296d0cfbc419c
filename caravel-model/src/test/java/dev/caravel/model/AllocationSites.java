package dev.caravel.model;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Measures what a piece of steady-state code allocates, and says where, for the allocation tests' messages.
 *
 * <p>The contract under test is the steady state: once the JIT has settled, a decode step or a prompt chunk allocates
 * nothing. While C2 still compiles or deoptimizes a kernel, the code running it (the interpreter, C1, an on-stack
 * replacement) boxes its vectors; {@link #unsettled} therefore measures several windows and passes at the first quiet
 * one, and a failure lists every window with its allocation sites and the JIT events inside it, so that a kernel C2
 * compiled with boxed vectors (it stays noisy, with no compilations) is told apart from a JIT still at work.
 */
final class AllocationSites {
    /** Bytes a window may allocate: the counters' own granularity. */
    static final long QUIET = 1024;
    /** Windows measured before giving up. */
    static final int WINDOWS = 6;

    private AllocationSites() {
    }

    /**
     * Runs {@code work} up to {@link #WINDOWS} times, with {@code settle} between windows, and returns null at the
     * first window in which {@code allocatedBytes} grows by less than {@link #QUIET}; otherwise a description of every
     * window (bytes, top allocation sites of the calling thread, JIT events).
     */
    static String unsettled(Runnable work, Runnable settle, LongSupplier allocatedBytes) {
        StringBuilder windows = new StringBuilder();
        for (int w = 0; w < WINDOWS; w++) {
            long before = allocatedBytes.getAsLong();
            work.run();
            long bytes = allocatedBytes.getAsLong() - before;
            if (bytes < QUIET) {
                if (w > 0) { // passed after noisy windows: worth seeing in the test output, not a failure
                    System.err.println("allocation settled at window " + w + ":" + windows);
                }
                return null;
            }
            windows.append("\n  window ").append(w).append(": ").append(bytes).append(" bytes; ").append(describe(work));
            settle.run();
        }
        return windows.toString();
    }

    /**
     * The top sites ("allocated class @ first frame (first Caravel frame)") of what {@code work} allocates on the
     * calling thread, and the compilations and deoptimizations of Caravel methods while it ran.
     */
    static String describe(Runnable work) {
        Path file = null;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            recording.enable("jdk.Compilation").withThreshold(java.time.Duration.ZERO);
            recording.enable("jdk.Deoptimization").withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            file = Files.createTempFile("caravel-alloc", ".jfr");
            recording.dump(file);
            Map<String, Long> bytes = new HashMap<>();
            TreeSet<String> compiled = new TreeSet<>();
            TreeSet<String> deoptimized = new TreeSet<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                switch (e.getEventType().getName()) {
                    case "jdk.Compilation" -> ours(e.getValue("method"), compiled, e.hasField("compileLevel") ? " c" + e.getInt("compileLevel") : "");
                    case "jdk.Deoptimization" -> ours(e.getValue("method"), deoptimized, " " + e.getString("reason"));
                    default -> {
                        long size = e.hasField("tlabSize") ? e.getLong("tlabSize") : e.getLong("allocationSize");
                        bytes.merge(site(e), size, Long::sum);
                    }
                }
            }
            List<String> top = bytes.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(5)
                    .map(s -> s.getValue() / 1024 + " KiB " + s.getKey())
                    .toList();
            return (top.isEmpty() ? "no TLAB refills recorded" : String.join("; ", top))
                    + "; JIT meanwhile: " + compiled.size() + " Caravel compilations " + compiled
                    + ", " + deoptimized.size() + " deoptimizations " + deoptimized;
        } catch (IOException | RuntimeException e) {
            return "(no allocation profile: " + e + ")";
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void ours(Object method, TreeSet<String> into, String detail) {
        if (method instanceof RecordedMethod m && m.getType().getName().startsWith("dev.caravel")) {
            String cls = m.getType().getName();
            into.add(cls.substring(cls.lastIndexOf('.') + 1) + "." + m.getName() + detail);
        }
    }

    private static String site(RecordedEvent e) {
        String type = e.getClass("objectClass").getName();
        if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
            return type;
        }
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        String first = frame(frames.get(0));
        String ours = frames.stream().filter(f -> f.getMethod().getType().getName().startsWith("dev.caravel"))
                .findFirst().map(AllocationSites::frame).orElse("-");
        return type + " @ " + first + " (" + ours + ", " + frames.get(0).getType() + ")";
    }

    private static String frame(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }
}
