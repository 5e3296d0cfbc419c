package dev.caravel.tools.hub;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line download progress bar for stderr: name, percentage, bar, bytes, rate and ETA, redrawn in place at
 * most ten times a second. When stderr is not a terminal (a log file, CI) it prints a plain line at every
 * tenth of the file instead of carriage returns.
 * <pre>
 * qwen2.5-0.5b-instruct-q4_k_m.gguf  42% [##########--------------] 167.1/397.8 MB  11.2 MB/s  ETA 0:21
 * </pre>
 */
public final class ProgressBar implements Progress {
    private static final int BAR = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;

    private String name = "";
    private long total = -1;
    private long done;
    private long sessionStart;
    private long sessionBytes;
    private long lastDraw;
    private long lastSampleNanos;
    private long lastSampleBytes;
    private double rate; // bytes per second, smoothed
    private int lastTenth = -1;
    private int lastWidth;

    public ProgressBar(PrintStream out, boolean interactive) {
        this(out, interactive, System::nanoTime);
    }

    ProgressBar(PrintStream out, boolean interactive, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.clock = clock;
    }

    @Override
    public void start(String label, long total, long resumedFrom) {
        this.name = label.substring(label.lastIndexOf('/') + 1);
        this.total = total;
        this.done = resumedFrom;
        this.sessionStart = clock.getAsLong();
        this.sessionBytes = resumedFrom;
        this.lastSampleNanos = sessionStart;
        this.lastSampleBytes = resumedFrom;
        this.rate = 0;
        this.lastTenth = -1;
        if (resumedFrom > 0) {
            clear();
            out.println("resuming " + name + " at " + bytes(resumedFrom) + (total > 0 ? " of " + bytes(total) : ""));
        }
        draw();
    }

    @Override
    public void update(long done) {
        this.done = done;
        long now = clock.getAsLong();
        if (now - lastSampleNanos >= REDRAW_NANOS) {
            double instant = (done - lastSampleBytes) * 1e9 / (now - lastSampleNanos);
            rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
            lastSampleNanos = now;
            lastSampleBytes = done;
        }
        if (now - lastDraw >= REDRAW_NANOS) {
            draw();
        }
    }

    @Override
    public void retry(int attempt, int attempts, String reason, Duration wait) {
        clear();
        out.printf(Locale.ROOT, "%s: %s; retrying in %s (attempt %d of %d)%n", name, reason, seconds(wait), attempt + 1, attempts);
        rate = 0;
        draw();
    }

    @Override
    public void finish(boolean ok) {
        if (ok) {
            long elapsed = clock.getAsLong() - sessionStart;
            if (elapsed > 0 && done > sessionBytes) {
                rate = (done - sessionBytes) * 1e9 / elapsed; // the final line shows the average
            }
            lastTenth = -1;
            draw();
        }
        if (interactive) {
            out.println();
        }
        out.flush();
    }

    private void draw() {
        lastDraw = clock.getAsLong();
        String line = line();
        if (interactive) {
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            out.flush();
            lastWidth = line.length();
        } else {
            int tenth = (int) (total > 0 ? done * 10 / total : done / 100_000_000); // every 100 MB when the size is unknown
            if (tenth != lastTenth) {
                lastTenth = tenth;
                out.println(line);
            }
        }
    }

    /** The bar's text (no carriage return): what a terminal shows. */
    String line() {
        StringBuilder sb = new StringBuilder();
        sb.append(name.length() > 40 ? name.substring(0, 37) + "..." : name).append("  ");
        if (total > 0) {
            int pct = (int) Math.min(100, done * 100 / total);
            int filled = (int) Math.min(BAR, done * BAR / total);
            sb.append(String.format(Locale.ROOT, "%3d%% [", pct)).append("#".repeat(filled)).append("-".repeat(BAR - filled))
                    .append("] ").append(pair(done, total));
        } else {
            sb.append(bytes(done));
        }
        if (rate > 0) {
            sb.append("  ").append(bytes((long) rate)).append("/s");
            if (total > 0 && done < total) {
                sb.append("  ETA ").append(clockTime((long) ((total - done) / rate)));
            }
        }
        return sb.toString();
    }

    private void clear() {
        if (interactive && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
    }

    /** "167.1/397.8 MB": both in the total's unit. */
    static String pair(long done, long total) {
        String[] unit = unit(total);
        double div = Double.parseDouble(unit[1]);
        return String.format(Locale.ROOT, "%.1f/%.1f %s", done / div, total / div, unit[0]);
    }

    /** Decimal units, as the Hub's pages show sizes. */
    public static String bytes(long n) {
        String[] unit = unit(n);
        if (unit[0].equals("B")) {
            return n + " B";
        }
        return String.format(Locale.ROOT, "%.1f %s", n / Double.parseDouble(unit[1]), unit[0]);
    }

    private static String[] unit(long n) {
        if (n >= 1_000_000_000L) {
            return new String[] {"GB", "1e9"};
        } else if (n >= 1_000_000L) {
            return new String[] {"MB", "1e6"};
        } else if (n >= 1_000L) {
            return new String[] {"kB", "1e3"};
        }
        return new String[] {"B", "1"};
    }

    static String clockTime(long seconds) {
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    private static String seconds(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }
}
