package dev.caravel.engine.tools;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.List;

/**
 * PLACEHOLDER for the agreed API (replaced at merge): how a model writes tool calls. This stand-in finds no
 * calls and constrains nothing.
 */
public interface ToolCallFormat {

    record Parsed(String content, List<ToolCall> calls) {
    }

    static ToolCallFormat forModel(String chatTemplateSource, Tokenizer t) {
        return new ToolCallFormat() {
            @Override
            public Parsed parse(String generatedText) {
                return new Parsed(generatedText, List.of());
            }

            @Override
            public TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer) {
                return new TokenConstraint() {
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
                };
            }

            @Override
            public List<String> stopStrings() {
                return List.of();
            }
        };
    }

    Parsed parse(String generatedText);

    TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer t);

    List<String> stopStrings();
}
