package dev.caravel.cli;

import dev.caravel.engine.LoadedModel;
import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.model.ModelConfig;
import dev.caravel.tensor.GgmlType;
import dev.caravel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** {@code caravel info}: what a model file is: architecture, sizes, quantization mix, tokenizer, template. */
@Command(name = "info", description = "Describe a GGUF model.", mixinStandardHelpOptions = true)
final class InfoCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--metadata", description = "Also list every metadata key.")
    boolean metadata;

    @Override
    public Integer call() {
        PrintStream out = Main.stdout();
        try (LoadedModel loaded = modelOptions.load()) {
            GgufFile f = loaded.file();
            ModelConfig c = loaded.model().config();
            out.printf("file:          %s (GGUF v%d, %s)%n", f.path(), f.version(), human(f.fileSize()));
            f.meta().string("general.name").ifPresent(n -> out.printf("name:          %s%n", n));
            out.printf("architecture:  %s%n", c.architecture());
            long params = 0;
            Map<GgmlType, long[]> mix = new TreeMap<>();
            for (GgufTensorInfo t : f.tensors().values()) {
                params += t.elementCount();
                long[] agg = mix.computeIfAbsent(t.type(), k -> new long[2]);
                agg[0]++;
                agg[1] += t.byteSize();
            }
            out.printf("parameters:    %s%n", count(params));
            out.printf("shape:         dim %d, %d layers, %d heads (%d kv, head dim %d), ffn %d, vocab %d%n",
                    c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocabSize());
            out.printf("context:       %d tokens%n", c.contextLength());
            out.printf("rope:          %s, %d dims, base %.0f%n", c.ropeType(), c.ropeDim(), c.ropeTheta());
            out.printf("quantization:  %s%n", f.meta().integer("general.file_type").map(InfoCommand::fileType).orElse("?"));
            for (Map.Entry<GgmlType, long[]> e : mix.entrySet()) {
                out.printf("  %-6s %4d tensors, %s%n", e.getKey(), e.getValue()[0], human(e.getValue()[1]));
            }
            Tokenizer tok = loaded.tokenizer();
            out.printf("tokenizer:     %s%s, %d tokens, bos %s, eos %s%n",
                    f.meta().string("tokenizer.ggml.model").orElse("?"),
                    f.meta().string("tokenizer.ggml.pre").map(p -> " (pre: " + p + ")").orElse(""),
                    tok.vocabSize(), tokenName(tok, tok.bos()), tokenName(tok, tok.eos()));
            String template = f.meta().string("tokenizer.chat_template").orElse(null);
            out.printf("chat template: %s%n", template == null ? "none (ChatML is used)"
                    : template.length() + " characters, starts: " + template.strip().lines().findFirst().orElse("").substring(0,
                    Math.min(60, template.strip().lines().findFirst().orElse("").length())));
            if (metadata) {
                out.println("metadata:");
                f.metadata().forEach((k, v) -> out.printf("  %s = %s%n", k, abbreviate(String.valueOf(v))));
            }
        }
        return 0;
    }

    private static String tokenName(Tokenizer t, int id) {
        return id < 0 ? "none" : id + " '" + t.tokenText(id) + "'";
    }

    private static String abbreviate(String s) {
        s = s.replace("\n", "\\n");
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.2f MiB", bytes / (double) (1L << 20));
        if (bytes >= 1L << 10) return String.format("%.1f KiB", bytes / 1024.0);
        return bytes + " B";
    }

    static String count(long n) {
        if (n >= 1_000_000_000) return String.format("%.2f B", n / 1e9);
        if (n >= 1_000_000) return String.format("%.2f M", n / 1e6);
        if (n >= 1_000) return String.format("%.1f K", n / 1e3);
        return Long.toString(n);
    }

    /** llama.cpp's {@code llama_ftype} names. */
    static String fileType(long t) {
        return switch ((int) t) {
            case 0 -> "all F32";
            case 1 -> "mostly F16";
            case 2 -> "mostly Q4_0";
            case 3 -> "mostly Q4_1";
            case 7 -> "mostly Q8_0";
            case 8 -> "mostly Q5_0";
            case 9 -> "mostly Q5_1";
            case 10 -> "mostly Q2_K";
            case 11 -> "Q3_K_S";
            case 12 -> "Q3_K_M";
            case 13 -> "Q3_K_L";
            case 14 -> "Q4_K_S";
            case 15 -> "Q4_K_M";
            case 16 -> "Q5_K_S";
            case 17 -> "Q5_K_M";
            case 18 -> "Q6_K";
            case 32 -> "mostly BF16";
            default -> "file type " + t;
        };
    }
}
