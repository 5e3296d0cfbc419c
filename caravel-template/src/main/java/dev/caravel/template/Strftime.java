package dev.caravel.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * C/Python {@code strftime} for the {@code strftime_now} global (Llama 3.x templates print the
 * current date with {@code "%d %b %Y"}), in the C locale, including glibc's {@code %-d} style
 * no-padding flag.
 */
final class Strftime {

    private Strftime() {
    }

    static String format(LocalDateTime t, String pattern) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char code = pattern.charAt(++i);
            boolean noPad = false;
            if (code == '-' && i + 1 < pattern.length()) {
                noPad = true;
                code = pattern.charAt(++i);
            }
            out.append(field(t, code, noPad));
        }
        return out.toString();
    }

    private static String num(int value, int width, boolean noPad) {
        String s = Integer.toString(value);
        return noPad || s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    private static String field(LocalDateTime t, char code, boolean noPad) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (code) {
            case 'Y' -> Integer.toString(t.getYear());
            case 'y' -> num(t.getYear() % 100, 2, noPad);
            case 'm' -> num(t.getMonthValue(), 2, noPad);
            case 'd' -> num(t.getDayOfMonth(), 2, noPad);
            case 'e' -> noPad ? Integer.toString(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth());
            case 'j' -> num(t.getDayOfYear(), 3, noPad);
            case 'H' -> num(t.getHour(), 2, noPad);
            case 'I' -> num(hour12, 2, noPad);
            case 'M' -> num(t.getMinute(), 2, noPad);
            case 'S' -> num(t.getSecond(), 2, noPad);
            case 'f' -> num(t.getNano() / 1000, 6, noPad);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'D' -> format(t, "%m/%d/%y");
            case 'F' -> format(t, "%Y-%m-%d");
            case 'T' -> format(t, "%H:%M:%S");
            case 'R' -> format(t, "%H:%M");
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> "%" + (noPad ? "-" : "") + code;
        };
    }
}
