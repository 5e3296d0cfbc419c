package dev.caravel.model;

/**
 * How rotary position embedding pairs up the dimensions of a head.
 *
 * <p>{@link #NORM}: adjacent pairs (0,1), (2,3), … — the original GPT-J/Llama layout, which GGUF
 * llama files use because the converter permutes Q/K rows. {@link #NEOX}: the two halves of the
 * rotated part are paired, (i, i + n/2) — GPT-NeoX, Qwen, Phi-3, Gemma. {@link #NONE}: no rotary
 * embedding (GPT-2 and BERT use learned positions).
 */
public enum RopeType {
    NONE, NORM, NEOX
}
