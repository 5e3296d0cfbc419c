package dev.caravel.tools.convert;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tensor's name in a Hugging Face checkpoint and in llama.cpp's GGUF, with the layout change
 * between them. {@code {N}} in a name stands for the block number. The same rule serves both
 * directions: convert applies {@link Layout}'s forward view, export its inverse.
 */
public record TensorRule(String hf, String gguf, Layout layout) {

    /** How the GGUF tensor's rows derive from the checkpoint's. */
    public enum Layout {
        /** Same rows (GGUF dims are the reversed PyTorch shape). */
        SAME,
        /** Query rows interleaved for GGML's adjacent-pair RoPE over the query heads (see {@link FloatRows#permuteHeads}). */
        PERMUTE_Q,
        /** The same over the key/value heads. */
        PERMUTE_K,
        /** GPT-2's Conv1D (in, out) matrices transposed to (out, in). */
        TRANSPOSE,
        /** Gemma's norm weights stored as {@code 1 + w}. */
        PLUS_ONE
    }

    public static TensorRule of(String hf, String gguf) {
        return new TensorRule(hf, gguf, Layout.SAME);
    }

    public static TensorRule of(String hf, String gguf, Layout layout) {
        return new TensorRule(hf, gguf, layout);
    }

    /** The block number if {@code name} matches {@code pattern} ({@code -1} for a name without {@code {N}}), else null. */
    static Integer match(String pattern, String name) {
        if (!pattern.contains("{N}")) {
            return pattern.equals(name) ? -1 : null;
        }
        String[] parts = pattern.split("\\{N}", -1);
        Matcher m = Pattern.compile(Pattern.quote(parts[0]) + "(\\d+)" + Pattern.quote(parts[1])).matcher(name);
        return m.matches() ? Integer.valueOf(m.group(1)) : null;
    }

    static String name(String pattern, int block) {
        return pattern.replace("{N}", Integer.toString(block));
    }

    /** The forward (convert, {@code inverse = false}) or backward (export) view of {@code src}. */
    public FloatRows apply(FloatRows src, int heads, int kvHeads, boolean inverse) {
        return switch (layout) {
            case SAME -> src;
            case PERMUTE_Q -> FloatRows.permuteHeads(src, heads, inverse);
            case PERMUTE_K -> FloatRows.permuteHeads(src, kvHeads, inverse);
            case TRANSPOSE -> FloatRows.transpose(src);
            case PLUS_ONE -> FloatRows.add(src, inverse ? -1f : 1f);
        };
    }
}
