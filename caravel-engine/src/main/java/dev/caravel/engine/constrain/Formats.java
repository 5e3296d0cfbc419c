package dev.caravel.engine.constrain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * String formats as patterns. Each allows only valid values (dates are real calendar dates: February
 * stops at 28 rather than knowing leap years), though not every valid value (e.g. email is plain ASCII).
 */
final class Formats {
    private static final String DATE = "\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))";
    private static final String TIME = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,6})?(?:Z|[+-](?:0\\d|1[0-4]):[0-5]\\d)";
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?";
    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Map<String, String> PATTERNS = Map.of(
            "date", "^" + DATE + "$",
            "time", "^" + TIME + "$",
            "date-time", "^" + DATE + "T" + TIME + "$",
            "uuid", "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            "email", "^[A-Za-z0-9_+-]{1,32}(?:\\.[A-Za-z0-9_+-]{1,32}){0,2}@(?:" + LABEL + "\\.){1,3}[A-Za-z]{2,8}$",
            "hostname", "^(?:" + LABEL + "\\.){0,3}" + LABEL + "$",
            "ipv4", "^(?:" + OCTET + "\\.){3}" + OCTET + "$",
            "uri", "^https?://(?:" + LABEL + "\\.){0,3}" + LABEL + "(?:/[A-Za-z0-9._~-]{0,32}){0,4}$");
    private static final Map<String, Dfa> CACHE = new ConcurrentHashMap<>();

    private Formats() {
    }

    /** The automaton of a format, or null when the format is not supported. */
    static Dfa dfa(String format) {
        String pattern = PATTERNS.get(format);
        return pattern == null ? null : CACHE.computeIfAbsent(format, f -> Regex.compile(pattern));
    }

    static String pattern(String format) {
        return PATTERNS.get(format);
    }

    static java.util.Set<String> supported() {
        return new java.util.TreeSet<>(PATTERNS.keySet());
    }
}
