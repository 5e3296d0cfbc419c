package dev.caravel.engine;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufFormatException;
import dev.caravel.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutated model headers through the whole loading path (GGUF, hyper-parameters, tensors,
 * tokenizer, template) and a few decode steps: every outcome is a working model or a clear
 * Caravel exception — never another exception type, a hang or a crash.
 */
class LoadFuzzTest {
    static final Path MODEL = Path.of(System.getProperty("caravel.shared", "../../shared"), "models", "stories260K.gguf");

    @Test
    void mutatedHeadersLoadOrFailClearly(@TempDir Path dir) throws IOException {
        byte[] original = Files.readAllBytes(MODEL);
        long headerEnd;
        try (GgufFile f = GgufFile.open(MODEL)) {
            headerEnd = f.dataOffset();
        }
        SplittableRandom random = new SplittableRandom(20261123);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bytes = original.clone();
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                int at = 8 + random.nextInt((int) headerEnd - 8);
                bytes[at] = switch (random.nextInt(4)) {
                    case 0 -> (byte) (bytes[at] ^ (1 << random.nextInt(8)));
                    case 1 -> (byte) 0xFF;
                    case 2 -> 0;
                    default -> (byte) random.nextInt(256);
                };
            }
            Path file = dir.resolve("m" + i + ".gguf");
            Files.write(file, bytes);
            long start = System.nanoTime();
            try (LoadedModel m = LoadedModel.open(file)) {
                Sequence seq = m.newSequence(32);
                m.generator().generate(seq, m.tokenizer().encode("Once upon a time"), GenerationRequest.of(4, SamplingParams.greedy()), null);
                loaded++;
            } catch (GgufFormatException | ModelException | IllegalArgumentException | ContextOverflowException
                     | UnsupportedOperationException e) {
                assertThat(e.getMessage()).as("message of " + e).isNotBlank();
                assertThat(e.getMessage().lines().count()).as("one-line message: " + e.getMessage()).isEqualTo(1);
                rejected++;
            } catch (RuntimeException | Error e) {
                fail("mutation " + i + " produced " + e, e);
            }
            assertThat((System.nanoTime() - start) / 1e9).as("seconds for mutation " + i).isLessThan(5);
            Files.delete(file);
        }
        System.out.printf("load fuzz: %d loaded, %d rejected clearly%n", loaded, rejected);
        assertThat(loaded + rejected).isEqualTo(400);
    }
}
