package dev.caravel.engine.tools;

import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.constrain.Grammar;
import dev.caravel.engine.constrain.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Helpers shared by the formats: message adaptation, call-object parsing, the per-tool grammars. */
final class ToolMessages {
    private ToolMessages() {
    }

    /**
     * Copies of {@code messages} whose tool calls carry their arguments as objects; {@code ids}, when not null,
     * rewrites tool call ids (and tool messages' {@code tool_call_id}).
     */
    static List<ChatMessage> argumentsAsObjects(List<ChatMessage> messages, UnaryOperator<String> ids) {
        List<ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> extra = new LinkedHashMap<>(m.extra());
            if (extra.get("tool_calls") instanceof List<?> calls) {
                List<Object> adapted = new ArrayList<>();
                for (Object c : calls) {
                    if (!(c instanceof Map<?, ?> call)) {
                        adapted.add(c);
                        continue;
                    }
                    Map<String, Object> copy = new LinkedHashMap<>();
                    call.forEach((k, v) -> copy.put(String.valueOf(k), v));
                    if (copy.get("function") instanceof Map<?, ?> fn) {
                        Map<String, Object> f = new LinkedHashMap<>();
                        fn.forEach((k, v) -> f.put(String.valueOf(k), v));
                        if (f.get("arguments") instanceof String s) {
                            try {
                                f.put("arguments", Json.parse(s));
                            } catch (IllegalArgumentException e) {
                                // not JSON: the template gets the text as it is
                            }
                        }
                        copy.put("function", f);
                    }
                    if (ids != null && copy.get("id") instanceof String id) {
                        copy.put("id", ids.apply(id));
                    }
                    adapted.add(copy);
                }
                extra.put("tool_calls", adapted);
            }
            if (ids != null && extra.get("tool_call_id") instanceof String id) {
                extra.put("tool_call_id", ids.apply(id));
            }
            out.add(new ChatMessage(m.role(), m.content(), extra));
        }
        return out;
    }

    /** A call from a parsed {"name": ..., argsKey: {...}} object, or null if it is not one. */
    static ToolCall call(Object parsed, String... argsKeys) {
        if (!(parsed instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || name.isEmpty()) {
            return null;
        }
        for (String key : argsKeys) {
            Object args = m.get(key);
            if (args instanceof Map<?, ?>) {
                return new ToolCall(ToolCall.newId(), name, Json.write(args));
            }
            if (args instanceof String s) {
                try {
                    if (Json.parse(s) instanceof Map<?, ?> inner) {
                        return new ToolCall(ToolCall.newId(), name, Json.write(inner));
                    }
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The tools a required call may use. */
    static List<ToolSpec> candidates(List<ToolSpec> tools, String onlyName) {
        if (tools == null || tools.isEmpty()) {
            throw new IllegalArgumentException("a required tool call needs at least one tool");
        }
        if (onlyName == null) {
            return tools;
        }
        for (ToolSpec t : tools) {
            if (t.name().equals(onlyName)) {
                return List.of(t);
            }
        }
        throw new IllegalArgumentException("tool_choice names '" + onlyName + "', which is not among the tools");
    }

    /** The arguments grammar of a tool; errors name the tool. */
    static Grammar arguments(ToolSpec tool) {
        Object schema = tool.parametersSchema() == null ? Map.of("type", "object") : tool.parametersSchema();
        try {
            return Grammar.schema(schema);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tool '" + tool.name() + "' parameters: " + e.getMessage(), e);
        }
    }

    /** One alternative per tool: prefix(name) + arguments + suffix. */
    static Grammar perTool(List<ToolSpec> tools, UnaryOperator<String> prefix, String suffix) {
        List<Grammar> alts = new ArrayList<>();
        for (ToolSpec t : tools) {
            Grammar args = arguments(t);
            alts.add(suffix.isEmpty()
                    ? Grammar.sequence(Grammar.literal(prefix.apply(t.name())), args)
                    : Grammar.sequence(Grammar.literal(prefix.apply(t.name())), args, Grammar.literal(suffix)));
        }
        return alts.size() == 1 ? alts.get(0) : Grammar.anyOf(alts);
    }

    static String contentOrNull(String s) {
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }
}
