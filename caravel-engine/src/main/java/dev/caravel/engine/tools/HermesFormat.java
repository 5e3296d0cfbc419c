package dev.caravel.engine.tools;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.constrain.Json;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Hermes / Qwen2.5 / Qwen3: {@code <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>}, as many as
 * the model likes, around or after plain content.
 */
final class HermesFormat implements ToolCallFormat {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    @Override
    public String name() {
        return "hermes";
    }

    @Override
    public Parsed parse(String text) {
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        int pos = 0;
        while (true) {
            int open = text.indexOf(OPEN, pos);
            if (open < 0) {
                content.append(text, pos, text.length());
                break;
            }
            int close = text.indexOf(CLOSE, open);
            int bodyEnd = close < 0 ? text.length() : close;
            int next = close < 0 ? text.length() : close + CLOSE.length();
            ToolCall call = null;
            try {
                call = ToolMessages.call(Json.parse(text.substring(open + OPEN.length(), bodyEnd)), "arguments", "parameters");
            } catch (IllegalArgumentException e) {
                // malformed: stays content
            }
            content.append(text, pos, call == null ? next : open);
            if (call != null) {
                calls.add(call);
            }
            pos = next;
        }
        return new Parsed(ToolMessages.contentOrNull(content.toString()), calls);
    }

    @Override
    public TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer) {
        return JsonSchemaConstraint.of(ToolMessages.perTool(ToolMessages.candidates(tools, onlyName),
                name -> OPEN + "\n{\"name\": " + Json.quote(name) + ", \"arguments\": ", "}\n" + CLOSE), tokenizer);
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }
}
