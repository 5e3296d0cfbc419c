package dev.caravel.engine.constrain;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.Map;

/**
 * PLACEHOLDER for the agreed API (the real class arrives from the constrain branch and replaces this
 * file at merge): it checks that a schema is a JSON object and then restricts nothing.
 */
public final class JsonSchemaConstraint implements TokenConstraint {
    private JsonSchemaConstraint() {
    }

    public static JsonSchemaConstraint anyJsonObject(Tokenizer t) {
        return new JsonSchemaConstraint();
    }

    /** @throws IllegalArgumentException with a client-facing message for an unsupported or invalid schema */
    public static JsonSchemaConstraint compile(Object schema, Tokenizer t) {
        if (!(schema instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("a JSON schema must be a JSON object");
        }
        return new JsonSchemaConstraint();
    }

    @Override
    public void mask(float[] logits) {
    }

    @Override
    public void accept(int token) {
    }

    @Override
    public boolean isComplete() {
        return false;
    }
}
