package dev.caravel.engine.tools;

import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.TokenConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.util.List;

/**
 * How a model family writes tool calls in its output, read from its chat template: parsing generated text
 * into calls, constraining generation to exactly one valid call, and adapting OpenAI-style messages to
 * what the template expects.
 */
public interface ToolCallFormat {

    /** Generated text split into what is not a call and the calls. */
    record Parsed(String content, List<ToolCall> calls) {
        public Parsed {
            calls = List.copyOf(calls);
        }
    }

    /**
     * The format a chat template uses: Hermes / Qwen {@code <tool_call>} (also the fallback for templates
     * without tool support or no template), Llama 3.x JSON with "parameters", Mistral {@code [TOOL_CALLS]},
     * GLM-4 "name\n{arguments}".
     */
    static ToolCallFormat forModel(String chatTemplateSource, Tokenizer tokenizer) {
        String t = chatTemplateSource == null ? "" : chatTemplateSource;
        if (t.contains("<tool_call>")) {
            return new HermesFormat();
        }
        if (t.contains("[TOOL_CALLS]")) {
            return new MistralFormat();
        }
        if (t.contains("<|observation|>") || t.contains("[gMASK]")) {
            return new Glm4Format();
        }
        if (t.contains("<|python_tag|>") || (t.contains("<|start_header_id|>") && t.contains("\"parameters\""))) {
            return new Llama3Format();
        }
        return new HermesFormat();
    }

    /** A short name: "hermes", "llama3", "mistral", "glm4". */
    String name();

    /**
     * The calls in {@code generatedText} (several allowed); text outside them is the content (null when there
     * is none). A call whose JSON is malformed stays in the content.
     */
    Parsed parse(String generatedText);

    /**
     * Output that is exactly one well-formed call in this format, to one of {@code tools} (or to
     * {@code onlyName}), with arguments valid against that tool's parameters schema.
     *
     * @throws IllegalArgumentException if {@code onlyName} is not among the tools, or a parameters schema is
     *                                  not supported (the message names the tool and keyword)
     */
    TokenConstraint requiredCall(List<ToolSpec> tools, String onlyName, Tokenizer tokenizer);

    /** Stop strings this format needs on top of the end-of-generation tokens. */
    List<String> stopStrings();

    /**
     * OpenAI-style messages as this format's templates expect them: assistant {@code tool_calls} whose
     * {@code function.arguments} is a JSON string get it as an object (the templates apply tojson to it).
     */
    default List<ChatMessage> adaptMessages(List<ChatMessage> messages) {
        return ToolMessages.argumentsAsObjects(messages, null);
    }
}
