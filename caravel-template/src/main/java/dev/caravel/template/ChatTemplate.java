package dev.caravel.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template (the Jinja2 source from {@code tokenizer_config.json} or GGUF metadata
 * {@code tokenizer.chat_template}), rendered byte-for-byte as Hugging Face transformers renders it.
 *
 * <pre>{@code
 * ChatTemplate t = ChatTemplate.compile(source);
 * String prompt = t.render(messages, true, Map.of("bos_token", "<s>", "eos_token", "</s>"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ChatTemplate {

    private final String source;
    private final Template template;

    private ChatTemplate(String source, Template template) {
        this.source = source;
        this.template = template;
    }

    /**
     * Compiles with the Hugging Face environment ({@link Jinja#huggingFace()}).
     *
     * @throws TemplateException if the source is not a valid template
     */
    public static ChatTemplate compile(String source) {
        return compile(source, Jinja.huggingFace());
    }

    /** Compiles with a custom environment, e.g. one with a fixed clock for tests. */
    public static ChatTemplate compile(String source, Jinja env) {
        return new ChatTemplate(source, env.compile(source));
    }

    public String source() {
        return source;
    }

    /**
     * Renders with the given variables: usually {@code messages}, {@code add_generation_prompt},
     * {@code bos_token}, {@code eos_token} and optionally {@code tools}, {@code documents}, ...
     * Values are converted with {@link TemplateValues#fromJson}.
     *
     * @throws TemplateException when the template fails, including its own {@code raise_exception}
     */
    public String render(Map<String, ?> variables) {
        return template.render(variables);
    }

    /**
     * Convenience for the common call: {@code messages} and {@code add_generation_prompt} plus any
     * further variables (special tokens, tools, ...), which may be empty.
     */
    public String render(List<?> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Objects.requireNonNull(messages, "messages");
        Map<String, Object> variables = new LinkedHashMap<>(extra);
        variables.put("messages", messages);
        variables.put("add_generation_prompt", addGenerationPrompt);
        return template.render(variables);
    }
}
