package dev.caravel.engine.tools;

/** PLACEHOLDER for the agreed API (replaced at merge): one call the model made. */
public record ToolCall(String id, String name, String argumentsJson) {
}
