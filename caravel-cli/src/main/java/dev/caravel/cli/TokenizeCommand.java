package dev.caravel.cli;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * {@code caravel tokenize}: text to token ids with a model's tokenizer (a GGUF, or a Hugging Face
 * {@code tokenizer.json}). {@code --ids} prints one line of ids the way llama.cpp's tokenizer tests
 * do: no BOS/EOS, special-token texts not parsed.
 */
@Command(name = "tokenize", description = "Show how a tokenizer splits text.", mixinStandardHelpOptions = true)
final class TokenizeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model/vocab file or tokenizer.json.")
    Path file;

    @Option(names = "--ids", description = "Print only the ids, space-separated, on one line.")
    boolean idsOnly;

    @Option(names = "--add-special", description = "Add BOS/EOS as the vocabulary says (off by default).")
    boolean addSpecial;

    @Option(names = "--parse-special", description = "Recognize special-token texts in the input (off by default).")
    boolean parseSpecial;

    @Parameters(paramLabel = "TEXT", description = "Text to tokenize.")
    String text;

    @Override
    public Integer call() {
        PrintStream out = Main.stdout();
        int[] ids;
        Tokenizer tokenizer;
        if (!Files.exists(file)) {
            throw new UsageException(file + ": no such file");
        }
        if (file.getFileName().toString().endsWith(".json")) {
            tokenizer = Tokenizers.fromTokenizerJson(file);
            ids = tokenizer.encode(text, addSpecial, parseSpecial);
        } else {
            try (GgufFile gguf = GgufFile.open(file)) {
                tokenizer = Tokenizers.fromGguf(gguf.meta());
                ids = tokenizer.encode(text, addSpecial, parseSpecial);
            }
        }
        if (idsOnly) {
            StringJoiner line = new StringJoiner(" ");
            for (int id : ids) {
                line.add(Integer.toString(id));
            }
            out.println(line);
        } else {
            for (int id : ids) {
                out.printf("%6d  %s%n", id, quote(tokenizer.tokenText(id)));
            }
            out.println(ids.length + " tokens");
        }
        return 0;
    }

    private static String quote(String piece) {
        return "'" + piece.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
