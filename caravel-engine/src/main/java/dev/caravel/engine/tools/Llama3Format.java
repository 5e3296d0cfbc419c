package dev.caravel.engine.tools;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.constrain.Json;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3.1 / 3.2 / 3.3 custom tools: the whole reply is {@code {"name": "f", "parameters": {...}}}
 * (possibly after {@code <|python_tag|>}, several separated by ";" or newlines).
 */
final class Llama3Format implements ToolCallFormat {
    static final String PYTHON_TAG = "<|python_tag|>";

    @Override
    public String name() {
        return "llama3";
    }

    @Override
    public Parsed parse(String text) {
        String body = text.strip();
        if (body.startsWith(PYTHON_TAG)) {
            body = body.substring(PYTHON_TAG.length()).strip();
        }
        List<ToolCall> calls = new ArrayList<>();
        int pos = 0;
        while (pos < body.length() && body.charAt(pos) == '{') {
            int end = Json.valueEnd(body, pos);
            ToolCall call = end < 0 ? null : ToolMessages.call(Json.parse(body.substring(pos, end)), "parameters", "arguments");
            if (call == null) {
                return new Parsed(ToolMessages.contentOrNull(text), List.of());
            }
            calls.add(call);
            pos = end;
            while (pos < body.length() && (Character.isWhitespace(body.charAt(pos)) || body.charAt(pos) == ';')) {
                pos++;
            }
        }
        if (calls.isEmpty() || pos < body.length()) {
            return new Parsed(ToolMessages.contentOrNull(text), List.of());
        }
        return new Parsed(null, calls);
    }

    @Override
    public TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer) {
        return JsonSchemaConstraint.of(ToolMessages.perTool(ToolMessages.candidates(tools, onlyName),
                name -> "{\"name\": " + Json.quote(name) + ", \"parameters\": ", "}"), tokenizer);
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }
}
