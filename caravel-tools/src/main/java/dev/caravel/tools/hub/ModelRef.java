package dev.caravel.tools.hub;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A model named on the command line: a short name ({@code qwen2.5:0.5b}, {@code qwen2.5:0.5b-q8_0}), a Hub
 * repository ({@code Qwen/Qwen2.5-0.5B-Instruct-GGUF}, optionally {@code :Q8_0}) or a file in one
 * ({@code Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf}). Hub URLs of a file or
 * repository page are accepted too.
 *
 * @param repo      {@code org/name}
 * @param file      the file's path in the repository, or null when it is to be chosen by quantization
 * @param quant     the quantization asked for (upper case), or null when none was named
 * @param shortName the short name used, or null
 */
public record ModelRef(String repo, String file, String quant, String shortName) {
    /** Repository ids: org/name, letters, digits, '-', '_', '.' (as the Hub allows). */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern URL = Pattern.compile("(?i)^(?:https?://)?(?:www\\.)?(?:huggingface\\.co|hf\\.co)/");

    /** The quantization to choose a file by: the one named, else {@value ModelRegistry#DEFAULT_QUANT}. */
    public String quantOrDefault() {
        return quant != null ? quant : ModelRegistry.DEFAULT_QUANT;
    }

    /** How the user would write this reference back. */
    public String display() {
        if (shortName != null) {
            return shortName;
        }
        if (file != null) {
            return repo + "/" + file;
        }
        return quant != null ? repo + ":" + quant : repo;
    }

    /** Whether {@code text} reads as a model reference rather than a local path (checked before the file system). */
    public static boolean looksLikeRef(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.startsWith("/") || t.startsWith(".") || t.startsWith("~") || t.contains("\\")) {
            return false;
        }
        if (URL.matcher(t).find()) {
            return true;
        }
        int slashes = (int) t.chars().filter(c -> c == '/').count();
        if (!t.contains("/")) {
            return t.contains(":") && !GgufNames.isGguf(t);
        }
        // dir/model.gguf is a relative path; org/repo/model.gguf is a file in a repository.
        return !(slashes == 1 && GgufNames.isGguf(t));
    }

    /** Parses a reference; a one-line {@link HubException} (kind USAGE or NOT_FOUND) says what is wrong. */
    public static ModelRef parse(String text) {
        String t = text.strip();
        t = URL.matcher(t).replaceFirst("");
        if (!t.contains("/")) {
            return parseShortName(t);
        }
        String[] parts = t.split("/", -1);
        String org = parts[0];
        String name = parts[1];
        String quant = null;
        String file = null;
        if (parts.length == 2) {
            int colon = name.indexOf(':');
            if (colon >= 0) {
                quant = GgufNames.normalize(name.substring(colon + 1));
                name = name.substring(0, colon);
                if (quant.isEmpty()) {
                    throw bad(text, "nothing after ':'");
                }
            }
        } else {
            int first = 2;
            // Page URLs: org/name/blob/main/file, org/name/resolve/main/file, org/name/tree/main
            if (parts.length >= 4 && (parts[2].equals("blob") || parts[2].equals("resolve") || parts[2].equals("tree"))) {
                if (!parts[3].equals("main")) {
                    throw bad(text, "only the main revision can be pulled");
                }
                first = 4;
            }
            String rest = String.join("/", java.util.Arrays.copyOfRange(parts, first, parts.length));
            int query = rest.indexOf('?');
            file = query >= 0 ? rest.substring(0, query) : rest;
            if (file.isEmpty()) {
                file = null;
            } else if (file.contains("..") || file.startsWith("/") || file.endsWith("/") || file.contains("//")) {
                throw bad(text, "'" + file + "' is not a file path in a repository");
            }
        }
        if (!PART.matcher(org).matches() || !PART.matcher(name).matches() || name.contains("--") || org.contains("--")) {
            throw bad(text, "a repository is named org/name (letters, digits, '-', '_', '.')");
        }
        return new ModelRef(org + "/" + name, file, quant, null);
    }

    private static ModelRef parseShortName(String t) {
        String lower = t.toLowerCase(Locale.ROOT);
        int colon = lower.indexOf(':');
        if (colon > 0) {
            String family = lower.substring(0, colon);
            String tag = lower.substring(colon + 1);
            ModelRegistry.Entry best = null;
            for (ModelRegistry.Entry e : ModelRegistry.entries()) {
                String size = e.name().substring(e.name().indexOf(':') + 1);
                if (e.name().startsWith(family + ":") && (tag.equals(size) || tag.startsWith(size + "-"))
                        && (best == null || size.length() > best.name().length() - best.name().indexOf(':') - 1)) {
                    best = e;
                }
            }
            if (best != null) {
                String size = best.name().substring(best.name().indexOf(':') + 1);
                String quant = tag.length() > size.length() ? GgufNames.normalize(tag.substring(size.length() + 1))
                        : ModelRegistry.DEFAULT_QUANT;
                String shortName = quant.equals(ModelRegistry.DEFAULT_QUANT) ? best.name()
                        : best.name() + "-" + quant.toLowerCase(Locale.ROOT);
                return new ModelRef(best.repo(), null, quant, shortName);
            }
        }
        throw new HubException(HubException.Kind.NOT_FOUND, "unknown model '" + t + "'; known names: "
                + ModelRegistry.names() + " (a ':' tag picks the quantization, e.g. qwen2.5:0.5b-q8_0), "
                + "or a Hub repository org/name[/file.gguf]");
    }

    private static HubException bad(String text, String why) {
        return new HubException(HubException.Kind.USAGE, "'" + text.strip() + "' is not a model reference: " + why);
    }
}
