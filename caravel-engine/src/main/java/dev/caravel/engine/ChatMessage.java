package dev.caravel.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One chat message as templates see it: {@code role}, {@code content} and any extra fields
 * (tool_calls, name, tool_call_id, …) passed through unchanged.
 */
public record ChatMessage(String role, String content, Map<String, Object> extra) {
    public ChatMessage {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, Map.of());
    }

    /** The message as a template variable (insertion-ordered map). */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        m.putAll(extra);
        return m;
    }
}
