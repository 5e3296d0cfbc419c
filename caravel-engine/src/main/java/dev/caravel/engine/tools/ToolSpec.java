package dev.caravel.engine.tools;

/**
 * A function the model may call (OpenAI {@code tools[].function}).
 *
 * @param parametersSchema the JSON Schema of the arguments, parsed (maps, lists, ...); null: any object
 */
public record ToolSpec(String name, String description, Object parametersSchema) {
    public ToolSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a tool needs a name");
        }
    }
}
