package dev.caravel.tools.hub;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What GGUF file names say: the quantization they hold and whether they are one part of a split model. */
public final class GgufNames {
    /**
     * A quantization name at the end of a file name, after '-', '.' or '_': Q4_K_M, Q8_0, IQ4_XS, F16, BF16,
     * FP16, Q4_0_4_4 (the longest alternatives are tried first by the regex engine's left-to-right order).
     */
    private static final Pattern QUANT = Pattern.compile(
            "(?i)[-._]((?:i?q\\d(?:_[a-z0-9]+)*)|f16|fp16|bf16|f32|fp32)$");
    private static final Pattern SPLIT = Pattern.compile("(?i)-\\d{5}-of-\\d{5}\\.gguf$");

    private GgufNames() {
    }

    public static boolean isGguf(String file) {
        return file.toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    /** One part of a model split over several files (model-00001-of-00002.gguf), which Caravel cannot load. */
    public static boolean isSplitPart(String file) {
        return SPLIT.matcher(file).find();
    }

    /** The quantization named by the file (upper case; FP16 read as F16), if it names one. */
    public static Optional<String> quant(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        if (!isGguf(name)) {
            return Optional.empty();
        }
        Matcher m = QUANT.matcher(name.substring(0, name.length() - ".gguf".length()));
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(normalize(m.group(1)));
    }

    /** Q4_K_M for q4_k_m; F16 for fp16; F32 for fp32. */
    public static String normalize(String quant) {
        String q = quant.toUpperCase(Locale.ROOT);
        return switch (q) {
            case "FP16" -> "F16";
            case "FP32" -> "F32";
            default -> q;
        };
    }

    /** The single-file GGUF models among {@code files} that hold {@code quant}. */
    public static List<String> withQuant(List<String> files, String quant) {
        String want = normalize(quant);
        return files.stream().filter(GgufNames::isGguf).filter(f -> !isSplitPart(f))
                .filter(f -> quant(f).map(want::equals).orElse(false)).toList();
    }
}
