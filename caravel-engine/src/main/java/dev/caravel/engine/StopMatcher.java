package dev.caravel.engine;

import java.util.List;

/**
 * Watches generated text for stop strings. Text that could still turn out to be the start of a
 * stop string is held back, so a stop string never reaches the client even in part.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder emitted = new StringBuilder();
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Adds newly decoded text; returns the part that is now safe to emit. */
    public String offer(String text) {
        if (stopped || text.isEmpty()) {
            return "";
        }
        pending.append(text);
        if (stops.isEmpty()) {
            return release(pending.length());
        }
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = release(cut);
            pending.setLength(0);
            return out;
        }
        // Hold back the longest tail that is a proper prefix of some stop string.
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > hold; len--) {
                if (tailEquals(pending, s, len)) {
                    hold = len;
                    break;
                }
            }
        }
        return release(pending.length() - hold);
    }

    /** Whether the last {@code len} chars of {@code sb} equal the first {@code len} chars of {@code s}. */
    private static boolean tailEquals(StringBuilder sb, String s, int len) {
        int start = sb.length() - len;
        for (int i = 0; i < len; i++) {
            if (sb.charAt(start + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Generation ended without a stop string: whatever was held back is real output. */
    public String finish(String tail) {
        String out = offer(tail);
        if (stopped) {
            return out;
        }
        return out + release(pending.length());
    }

    private String release(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        emitted.append(out);
        return out;
    }

    /** Everything emitted so far. */
    public String text() {
        return emitted.toString();
    }
}
