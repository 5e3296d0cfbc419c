package dev.caravel.engine;

import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChatFormatterTest {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));

    @Test
    void qwenTemplateRendersAndTokenizesWithSpecialTokens() throws IOException {
        Tokenizer tok = Tokenizers.fromTokenizerJson(SHARED.resolve("tokenizers/qwen3/tokenizer.json"));
        String template = Files.readString(SHARED.resolve("reference/templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        ChatFormatter chat = new ChatFormatter(template, tok);
        List<ChatMessage> messages = List.of(ChatMessage.of("system", "你是助手。"), ChatMessage.of("user", "Hello!"));
        String text = chat.render(messages, true, null);
        assertThat(text).isEqualTo("<|im_start|>system\n你是助手。<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
        int[] ids = chat.tokenize(messages, true);
        int imStart = tok.tokenId("<|im_start|>");
        int imEnd = tok.tokenId("<|im_end|>");
        assertThat(imStart).isPositive();
        assertThat(ids[0]).isEqualTo(imStart);
        assertThat(ids).contains(imEnd);
        assertThat(tok.isEndOfGeneration(imEnd)).isTrue();
        assertThat(tok.decode(ids, false, true)).isEqualTo(text);
    }

    @Test
    void modelsWithoutTemplateFallBackToChatMlWithStopStrings() throws IOException {
        Tokenizer tok = Tokenizers.fromTokenizerJson(SHARED.resolve("tokenizers/qwen3/tokenizer.json"));
        ChatFormatter chat = new ChatFormatter(null, tok);
        assertThat(chat.isFallback()).isTrue();
        assertThat(chat.render(List.of(ChatMessage.of("user", "hi")), true, null))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(chat.extraStops()).contains("<|im_end|>");
    }
}
