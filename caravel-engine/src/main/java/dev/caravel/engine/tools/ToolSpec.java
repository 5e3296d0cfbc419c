package dev.caravel.engine.tools;

/** PLACEHOLDER for the agreed API (replaced at merge): a function the model may call. */
public record ToolSpec(String name, String description, Object parametersSchema) {
}
