package dev.caravel.engine.tools;

import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.constrain.Json;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Mistral (v3 tokenizers, Nemo): {@code [TOOL_CALLS][{"name": "f", "arguments": {...}}, ...]}. The marker is
 * a control token in real vocabularies, so decoded text usually lacks it: a reply that is a JSON array of
 * calls counts as calls either way.
 */
final class MistralFormat implements ToolCallFormat {
    static final String MARKER = "[TOOL_CALLS]";
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    @Override
    public String name() {
        return "mistral";
    }

    @Override
    public Parsed parse(String text) {
        int marker = text.indexOf(MARKER);
        String before = marker < 0 ? "" : text.substring(0, marker);
        String body = (marker < 0 ? text : text.substring(marker + MARKER.length())).strip();
        if (!body.startsWith("[")) {
            return new Parsed(ToolMessages.contentOrNull(text), List.of());
        }
        int end = Json.valueEnd(body, 0);
        if (end < 0 || !(Json.parse(body.substring(0, end)) instanceof List<?> list) || list.isEmpty()) {
            return new Parsed(ToolMessages.contentOrNull(text), List.of());
        }
        List<ToolCall> calls = new ArrayList<>();
        for (Object o : list) {
            ToolCall c = ToolMessages.call(o, "arguments", "parameters");
            if (c == null) {
                return new Parsed(ToolMessages.contentOrNull(text), List.of());
            }
            calls.add(c);
        }
        return new Parsed(ToolMessages.contentOrNull(before + body.substring(end)), calls);
    }

    @Override
    public TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer) {
        int marker = tokenizer.tokenId(MARKER);
        return JsonSchemaConstraint.of(ToolMessages.perTool(ToolMessages.candidates(tools, onlyName),
                name -> "[{\"name\": " + Json.quote(name) + ", \"arguments\": ", "}]"), tokenizer,
                marker >= 0 && tokenizer.isControl(marker) ? new int[] {marker} : new int[0]);
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    /** Also maps tool call ids to the 9 alphanumerics Mistral's template insists on (the same id, the same result). */
    @Override
    public List<ChatMessage> adaptMessages(List<ChatMessage> messages) {
        return ToolMessages.argumentsAsObjects(messages, MistralFormat::nineCharId);
    }

    static String nineCharId(String id) {
        if (id.length() == 9 && id.chars().allMatch(c -> ALPHANUMERIC.indexOf(c) >= 0)) {
            return id;
        }
        long h = 1125899906842597L;
        for (int i = 0; i < id.length(); i++) {
            h = 31 * h + id.charAt(i);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append(ALPHANUMERIC.charAt((int) Math.floorMod(h, 62L)));
            h = h / 62 ^ (h >>> 7) * 0x9E3779B97F4A7C15L;
        }
        return sb.toString();
    }
}
