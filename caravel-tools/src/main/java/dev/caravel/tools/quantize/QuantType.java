package dev.caravel.tools.quantize;

import dev.caravel.tensor.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A whole-file quantization target: llama.cpp's {@code llama_ftype}, i.e. what {@code llama-quantize}
 * accepts as its TYPE argument. Each has the {@code general.file_type} id llama.cpp writes and a
 * default tensor type; the {@code _S/_M/_L} mixes differ only in the per-tensor rules of
 * {@link TensorTypeRules}.
 *
 * <p>Only targets whose every tensor type Caravel can both produce and compute with are listed (no
 * IQ types, which also need an importance matrix, and no Q2_K_S, which needs one).
 */
public enum QuantType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    BF16(32, GgmlType.BF16),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q8_0(7, GgmlType.Q8_0),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K);

    private final int fileType;
    private final GgmlType defaultType;

    QuantType(int fileType, GgmlType defaultType) {
        this.fileType = fileType;
        this.defaultType = defaultType;
    }

    /** The {@code llama_ftype} value stored as {@code general.file_type}. */
    public int fileType() {
        return fileType;
    }

    /** The type a quantizable tensor gets unless a mix rule or a shape fallback says otherwise. */
    public GgmlType defaultType() {
        return defaultType;
    }

    /**
     * Parses a type name, case-insensitively. As in {@code llama-quantize}, {@code Q3_K}, {@code Q4_K}
     * and {@code Q5_K} are aliases of the {@code _M} mixes.
     *
     * @throws IllegalArgumentException naming the accepted types
     */
    public static QuantType parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        switch (n) {
            case "Q3_K" -> n = "Q3_K_M";
            case "Q4_K" -> n = "Q4_K_M";
            case "Q5_K" -> n = "Q5_K_M";
            default -> {
            }
        }
        for (QuantType t : values()) {
            if (t.name().equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown quantization type '" + name + "' (known: " + names() + ")");
    }

    /** All names, comma-separated, for messages and help. */
    public static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
