package dev.caravel.model;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Says where a piece of code allocates, for the message of a failed allocation test: it runs the code again under a
 * JFR recording of TLAB refills (each names the allocating stack) and lists the busiest sites. A kernel that C2
 * compiled with boxed vectors shows up here as the kernel's line and the vector class it boxes.
 */
final class AllocationSites {
    private AllocationSites() {
    }

    /** The top sites ("allocated class @ first frame (first Caravel frame)") of what {@code work} allocates. */
    static String describe(Runnable work) {
        Path file = null;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            file = Files.createTempFile("caravel-alloc", ".jfr");
            recording.dump(file);
            Map<String, Long> bytes = new HashMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                long size = e.hasField("tlabSize") ? e.getLong("tlabSize") : e.getLong("allocationSize");
                bytes.merge(site(e), size, Long::sum);
            }
            List<String> top = bytes.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(5)
                    .map(s -> s.getValue() / 1024 + " KiB " + s.getKey())
                    .toList();
            return top.isEmpty() ? "no TLAB refills recorded" : String.join("; ", top);
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
