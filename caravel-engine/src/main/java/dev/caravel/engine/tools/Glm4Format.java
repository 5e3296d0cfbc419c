package dev.caravel.engine.tools;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.constrain.Json;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GLM-4 (glm-4-9b-chat): after {@code <|assistant|>} a call is the function name on its own line, then the
 * arguments as JSON ({@code get_weather\n{"city": "Beijing"}}); the model then emits {@code <|observation|>}.
 */
final class Glm4Format implements ToolCallFormat {
    private static final Pattern CALL = Pattern.compile("\\s*([A-Za-z_][\\w.\\-]*)\\n(\\{.*)", Pattern.DOTALL);

    @Override
    public String name() {
        return "glm4";
    }

    @Override
    public Parsed parse(String text) {
        Matcher m = CALL.matcher(text.replace("<|observation|>", ""));
        if (m.matches()) {
            String rest = m.group(2);
            int end = Json.valueEnd(rest, 0);
            if (end > 0 && rest.substring(end).isBlank() && Json.parse(rest.substring(0, end)) instanceof java.util.Map<?, ?> args) {
                return new Parsed(null, List.of(new ToolCall(ToolCall.newId(), m.group(1), Json.write(args))));
            }
        }
        return new Parsed(ToolMessages.contentOrNull(text), List.of());
    }

    @Override
    public TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer) {
        List<ToolSpec> candidates = ToolMessages.candidates(tools, onlyName);
        for (ToolSpec t : candidates) {
            if (!t.name().matches("[A-Za-z_][\\w.\\-]*")) {
                throw new IllegalArgumentException("tool name '" + t.name() + "' cannot be written in GLM-4's call format");
            }
        }
        return JsonSchemaConstraint.of(ToolMessages.perTool(candidates, name -> name + "\n", ""), tokenizer);
    }

    @Override
    public List<String> stopStrings() {
        return List.of("<|observation|>");
    }
}
