package dev.caravel.tools.convert;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.model.Architectures;
import dev.caravel.model.DecoderState;
import dev.caravel.model.LanguageModel;
import dev.caravel.model.ModelConfig;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared data and comparisons of the convert/export tests. */
final class ConvertTesting {
    static final int[] PROMPT = {1, 7, 300, 42, 511, 99, 260};

    private ConvertTesting() {
    }

    static Path shared() {
        String dir = System.getProperty("caravel.shared");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "models")), "no shared test data (caravel.shared)");
        return Path.of(dir);
    }

    static Path model(String name) {
        return shared().resolve("models").resolve(name);
    }

    /** Every position's logits of {@code PROMPT}, run token by token. */
    static float[][] logits(Path gguf, int[] prompt) {
        try (GgufFile f = GgufFile.open(gguf)) {
            LanguageModel m = Architectures.load(f);
            DecoderState s = m.newState(prompt.length);
            float[][] out = new float[prompt.length][];
            for (int i = 0; i < prompt.length; i++) {
                out[i] = m.forward(s, prompt[i], i).clone();
            }
            return out;
        }
    }

    static ModelConfig config(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return Architectures.load(f).config();
        }
    }

    /** Every tensor of {@code expected} is in {@code actual} with the same type, shape and bytes. */
    static void assertSameTensors(Path expected, Path actual) {
        try (GgufFile a = GgufFile.open(expected); GgufFile b = GgufFile.open(actual)) {
            assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
            for (GgufTensorInfo t : a.tensors().values()) {
                GgufTensorInfo u = b.tensor(t.name());
                assertThat(u.type()).as(t.name()).isEqualTo(t.type());
                assertThat(u.dims()).as(t.name()).containsExactly(t.dims());
                assertThat(a.tensorData(t).mismatch(b.tensorData(u))).as(t.name() + " bytes").isEqualTo(-1L);
            }
        }
    }

    static void assertSameVocab(Path expected, Path actual) {
        try (GgufFile a = GgufFile.open(expected); GgufFile b = GgufFile.open(actual)) {
            Vocab x = Vocab.fromGguf(a.meta());
            Vocab y = Vocab.fromGguf(b.meta());
            assertThat(y.model()).isEqualTo(x.model());
            assertThat(y.tokens()).isEqualTo(x.tokens());
            assertThat(y.types()).isEqualTo(x.types());
            if (x.scores() != null) {
                assertThat(y.scores()).isEqualTo(x.scores());
            }
            if (x.merges() != null) {
                assertThat(y.merges()).isEqualTo(x.merges());
            }
            assertThat(y.specials()).containsAllEntriesOf(x.specials());
            assertThat(y.chatTemplate()).isEqualTo(x.chatTemplate());
        }
    }

    static void assertSameLogits(Path expected, Path actual) {
        assertThat(config(actual)).isEqualTo(config(expected));
        float[][] a = logits(expected, PROMPT);
        float[][] b = logits(actual, PROMPT);
        for (int i = 0; i < a.length; i++) {
            assertThat(Arrays.equals(a[i], b[i])).as("logits at position " + i + " are bit-identical").isTrue();
        }
    }
}
