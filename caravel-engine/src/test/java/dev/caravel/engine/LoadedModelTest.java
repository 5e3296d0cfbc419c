package dev.caravel.engine;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.ModelException;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading builds the tokenizer on a second thread and compiles the chat template on first use. */
class LoadedModelTest {
    static final Path MODEL = Path.of(System.getProperty("caravel.shared", "../../shared"), "models", "stories260K.gguf");

    @Test
    void tokenizerBuiltBesideTheModelEncodesLikeOneBuiltAlone() {
        Tokenizer alone = Tokenizers.fromGguf(MODEL);
        try (LoadedModel m = LoadedModel.open(MODEL, 2)) {
            for (String text : List.of("Once upon a time", "Lily and Ben went to the park. 123 !?", "")) {
                assertThat(m.tokenizer().encode(text)).as(text).containsExactly(alone.encode(text));
            }
            assertThat(m.threads()).isEqualTo(2);
        }
    }

    @Test
    void chatFormatterIsMadeOnceOnFirstUse() {
        try (LoadedModel m = LoadedModel.open(MODEL)) {
            ChatFormatter chat = m.chat();
            assertThat(m.chat()).isSameAs(chat);
            assertThat(chat.render(List.of(ChatMessage.of("user", "hi")), true, null)).contains("hi");
        }
    }

    @Test
    void openingAnOpenedFileTakesItOverAndClosesItOnFailure(@TempDir Path dir) throws IOException {
        try (LoadedModel m = LoadedModel.open(GgufFile.open(MODEL), 1)) {
            assertThat(m.tokenizer().encode("Once upon a time")).isNotEmpty();
        }

        // Same length replacement of general.architecture's value keeps the file well-formed.
        byte[] bytes = Files.readAllBytes(MODEL);
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        bytes[s.indexOf("llama", s.indexOf("general.architecture"))] = 'x';
        Path unknown = dir.resolve("xlama.gguf");
        Files.write(unknown, bytes);
        GgufFile file = GgufFile.open(unknown);
        assertThatThrownBy(() -> LoadedModel.open(file, 2)).isInstanceOf(ModelException.class).hasMessageContaining("xlama");
        assertThatThrownBy(() -> file.mapping().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0))
                .as("the mapping is released").isInstanceOf(IllegalStateException.class);
    }
}
