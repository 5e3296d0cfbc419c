package dev.caravel.cli;

import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.Sequence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code caravel chat}: a multi-turn conversation in the terminal with the model's chat template.
 * Earlier turns stay in the KV cache, so each answer only pays for the new message.
 */
@Command(name = "chat", description = "Chat with a model in the terminal.", mixinStandardHelpOptions = true)
final class ChatCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1",
            description = "Most tokens per answer; -1 = until the model stops (default).")
    int maxTokens;

    @Override
    public Integer call() throws Exception {
        PrintStream out = Main.stdout();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LoadedModel loaded = modelOptions.load()) {
            Sequence seq = loaded.newSequence(modelOptions.contextSize);
            List<ChatMessage> history = new ArrayList<>();
            if (system != null) {
                history.add(ChatMessage.of("system", system));
            }
            System.err.println("caravel: chatting with " + loaded.file().path().getFileName() + " (" + loaded.model().config().architecture()
                    + ", context " + seq.capacity() + " tokens" + (loaded.chat().isFallback() ? ", no chat template: using ChatML" : "")
                    + "). Commands: /reset, /system TEXT, /exit. End a line with \\ to continue it.");
            while (true) {
                out.print("> ");
                out.flush();
                String line = readMessage(in, out);
                if (line == null || line.strip().equals("/exit") || line.strip().equals("/quit")) {
                    break;
                }
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.equals("/reset")) {
                    history.removeIf(m -> !m.role().equals("system"));
                    seq.clear();
                    System.err.println("(conversation cleared)");
                    continue;
                }
                if (text.startsWith("/system")) {
                    String prompt = text.substring("/system".length()).strip();
                    history.removeIf(m -> m.role().equals("system"));
                    if (!prompt.isEmpty()) {
                        history.addFirst(ChatMessage.of("system", prompt));
                    }
                    System.err.println(prompt.isEmpty() ? "(system prompt removed)" : "(system prompt set)");
                    continue;
                }
                if (text.startsWith("/")) {
                    System.err.println("unknown command " + text.split("\\s")[0] + " (try /reset, /system TEXT, /exit)");
                    continue;
                }
                history.add(ChatMessage.of("user", text));
                int[] prompt;
                try {
                    prompt = loaded.chat().tokenize(history, true);
                    if (prompt.length >= seq.capacity()) {
                        throw new dev.caravel.engine.ContextOverflowException(prompt.length, seq.capacity());
                    }
                } catch (RuntimeException e) {
                    history.removeLast();
                    System.err.println("caravel: " + e.getMessage() + " — use /reset to start over");
                    continue;
                }
                List<String> stops = loaded.chat().extraStops();
                GenerationRequest request = new GenerationRequest(maxTokens, sampling.params(), stops, false);
                GenerationResult result = loaded.generator().generate(seq, prompt, request, (piece, token) -> {
                    out.print(piece);
                    out.flush();
                    return true;
                });
                out.println();
                history.add(ChatMessage.of("assistant", result.text()));
                System.err.printf("[%d tokens, %.1f tok/s; prompt %d new of %d, %.1f tok/s%s]%n",
                        result.tokens().length, result.decodeTokensPerSecond(), result.promptTokens() - result.reusedTokens(),
                        result.promptTokens(), result.prefillTokensPerSecond(),
                        result.finishReason().wireName().equals("length") ? "; stopped: length limit" : "");
            }
        }
        return 0;
    }

    /** Reads one message; lines ending in a backslash continue on the next line. */
    private static String readMessage(BufferedReader in, PrintStream out) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = in.readLine();
            if (line == null) {
                return sb.isEmpty() ? null : sb.toString();
            }
            if (line.endsWith("\\")) {
                sb.append(line, 0, line.length() - 1).append('\n');
                out.print(". ");
                out.flush();
                continue;
            }
            return sb.append(line).toString();
        }
    }
}
