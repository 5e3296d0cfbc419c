package dev.caravel.server;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.engine.tools.ToolCallFormat;
import dev.caravel.engine.tools.ToolSpec;
import dev.caravel.server.models.ServedModel;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether the engine's constrain/tools classes really constrain output. Until the constrain branch is
 * merged they are placeholders that allow every token; the tests that need JSON-schema output or forced tool
 * calls are then skipped (they must run, and pass, once the real classes are in).
 */
final class Constraints {
    private Constraints() {
    }

    private static boolean restricts(TokenConstraint c, int vocab) {
        float[] logits = new float[vocab];
        c.mask(logits);
        for (float v : logits) {
            if (v == Float.NEGATIVE_INFINITY) {
                return true;
            }
        }
        return false;
    }

    static void assumeJsonSchemas(ServedModel m) {
        assumeTrue(restricts(JsonSchemaConstraint.anyJsonObject(m.tokenizer()), m.tokenizer().vocabSize()),
                "JsonSchemaConstraint is still the placeholder (constrain branch not merged)");
    }

    static void assumeToolCalls(ServedModel m) {
        ToolCallFormat f = ToolCallFormat.forModel(m.tokenizer().chatTemplate().orElse(null), m.tokenizer());
        TokenConstraint c = f.requiredCall(List.of(new ToolSpec("get_weather", "w",
                Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))))), null, m.tokenizer());
        assumeTrue(restricts(c, m.tokenizer().vocabSize()),
                "ToolCallFormat is still the placeholder (constrain/tools branch not merged)");
    }
}
