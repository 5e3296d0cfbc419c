package dev.caravel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.model.Architectures;
import dev.caravel.model.EmbeddingModel;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code caravel embed}: sentence embeddings from a BERT-type GGUF, one JSON array per input text. */
@Command(name = "embed", description = "Compute sentence embeddings with an embedding model (bert).", mixinStandardHelpOptions = true)
final class EmbedCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF embedding model.")
    Path file;

    @Option(names = "--no-normalize", description = "Print raw pooled vectors instead of unit-length ones.")
    boolean raw;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "Texts to embed.")
    List<String> texts;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(file)) {
            throw new UsageException(file + ": no such file");
        }
        PrintStream out = Main.stdout();
        ObjectMapper mapper = new ObjectMapper();
        try (GgufFile gguf = GgufFile.open(file)) {
            EmbeddingModel model = Architectures.loadEncoder(gguf);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf.meta());
            for (String text : texts) {
                int[] ids = tokenizer.encode(text, true, false);
                float[] v = model.embed(ids, !raw);
                ArrayNode a = mapper.createArrayNode();
                for (float f : v) {
                    a.add(f);
                }
                out.println(mapper.writeValueAsString(a));
            }
        }
        return 0;
    }
}
