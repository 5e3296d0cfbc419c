package dev.caravel.engine;

import dev.caravel.template.ChatTemplate;
import dev.caravel.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into prompt tokens with the model's own chat template
 * ({@code tokenizer.chat_template}), or ChatML when the model has none.
 */
public final class ChatFormatter {
    /** ChatML, the de-facto default (llama.cpp falls back to it too). */
    public static final String CHATML = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}""";

    private final ChatTemplate template;
    private final boolean fallback;
    private final Tokenizer tokenizer;

    public ChatFormatter(String templateSource, Tokenizer tokenizer) {
        this.fallback = templateSource == null || templateSource.isBlank();
        this.template = ChatTemplate.compile(fallback ? CHATML : templateSource);
        this.tokenizer = tokenizer;
    }

    /** Whether the model had no template of its own and ChatML is used. */
    public boolean isFallback() {
        return fallback;
    }

    /** Stop strings needed on top of the tokenizer's end-of-generation tokens. */
    public List<String> extraStops() {
        return fallback ? List.of("<|im_end|>", "<|im_start|>") : List.of();
    }

    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        List<Object> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            msgs.add(m.toTemplateValue());
        }
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", tokenizer.bos() >= 0 ? tokenizer.tokenText(tokenizer.bos()) : "");
        ctx.put("eos_token", tokenizer.eos() >= 0 ? tokenizer.tokenText(tokenizer.eos()) : "");
        if (extraVariables != null) {
            ctx.putAll(extraVariables);
        }
        return template.render(ctx);
    }

    /**
     * Renders and tokenizes (special tokens parsed). The vocabulary's BOS is added unless the
     * template already wrote it, so prompts never start with two BOS tokens.
     */
    public int[] tokenize(List<ChatMessage> messages, boolean addGenerationPrompt) {
        String text = render(messages, addGenerationPrompt, null);
        int[] ids = tokenizer.encode(text, true, true);
        int bos = tokenizer.bos();
        if (ids.length >= 2 && bos >= 0 && ids[0] == bos && ids[1] == bos) {
            return java.util.Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }
}
