package dev.caravel.server.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed buckets (seconds), lock-free to observe. */
final class Histogram {
    static final double[] SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double v) {
        for (int i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(v);
    }

    /** Writes the cumulative buckets, sum and count under {@code name} with the given label prefix. */
    void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        String sep = labels.isEmpty() ? "" : labels + ",";
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name).append("_bucket{").append(sep).append("le=\"").append(bounds[i]).append("\"} ")
                    .append(cumulative).append('\n');
        }
        out.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
        String l = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_sum").append(l).append(' ').append(sum.sum()).append('\n');
        out.append(name).append("_count").append(l).append(' ').append(count.sum()).append('\n');
    }
}
