package dev.caravel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.engine.Sequence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code caravel run}: complete a prompt. The continuation goes to stdout as it is generated,
 * statistics to stderr; {@code --json} prints one object shaped like the llama.cpp reference files.
 */
@Command(name = "run", description = "Generate a continuation of a prompt.", mixinStandardHelpOptions = true)
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "128",
            description = "Tokens to generate; -1 = until end of text or context (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop before this text (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-text tokens.")
    boolean ignoreEos;

    @Option(names = "--special", description = "Parse special-token texts (e.g. <|im_start|>) in the prompt.")
    boolean parseSpecial;

    @Option(names = "--echo", description = "Print the prompt before the continuation (like llama-cli).")
    boolean echo;

    @Option(names = "--json", description = "Print one JSON object (fields as in the llama.cpp reference files).")
    boolean json;

    @Option(names = "--logits", description = "With --json: include prompt_logits and greedy_step_logits.")
    boolean logits;

    @Override
    public Integer call() throws Exception {
        PrintStream out = Main.stdout();
        if (maxTokens < -1) {
            throw new UsageException("-n must be ≥ -1, got " + maxTokens);
        }
        SamplingParams params = sampling.params();
        try (LoadedModel loaded = modelOptions.load()) {
            int[] ids = loaded.tokenizer().encode(prompt, true, parseSpecial);
            Sequence seq = loaded.newSequence(modelOptions.contextSize);
            GenerationRequest request = new GenerationRequest(maxTokens, params, stops, ignoreEos);
            if (echo && !json) {
                out.print(prompt);
                out.flush();
            }
            List<float[]> promptLogits = new ArrayList<>();
            List<float[]> stepLogits = new ArrayList<>();
            int vocab = loaded.model().config().vocabSize();
            Sequence.LogitsSink sink = json && logits ? (p, l) -> promptLogits.add(l.clone()) : null;
            GenerationResult result = loaded.generator().generate(seq, ids, request, (piece, token) -> {
                if (!json) {
                    out.print(piece);
                    out.flush();
                }
                return true;
            }, sink);
            if (json) {
                if (logits) {
                    // Re-run the greedy path to record logits after each of the first generated tokens.
                    int[] gen = result.tokens();
                    Sequence replay = loaded.newSequence(modelOptions.contextSize);
                    replay.prefill(ids, null);
                    for (int k = 0; k < Math.min(4, gen.length); k++) {
                        if (replay.length() + 1 >= replay.capacity()) {
                            break;
                        }
                        stepLogits.add(replay.append(gen[k]).clone());
                    }
                }
                out.println(toJson(loaded, ids, result, promptLogits, stepLogits, vocab));
            } else {
                out.println();
            }
            System.err.printf("caravel: prompt %d tokens (%.1f tok/s), generated %d tokens (%.1f tok/s), stop: %s%n",
                    result.promptTokens(), result.prefillTokensPerSecond(), result.tokens().length,
                    result.decodeTokensPerSecond(), result.finishReason().wireName());
        }
        return 0;
    }

    private String toJson(LoadedModel loaded, int[] ids, GenerationResult result, List<float[]> promptLogits,
                          List<float[]> stepLogits, int vocab) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("prompt", prompt);
        o.put("n_vocab", vocab);
        ArrayNode pIds = o.putArray("prompt_ids");
        for (int id : ids) {
            pIds.add(id);
        }
        if (logits) {
            ArrayNode pl = o.putArray("prompt_logits");
            for (float[] l : promptLogits) {
                addFloats(pl.addArray(), l);
            }
        }
        ArrayNode g = o.putArray("greedy_ids");
        for (int id : result.tokens()) {
            g.add(id);
        }
        if (logits) {
            ArrayNode sl = o.putArray("greedy_step_logits");
            for (float[] l : stepLogits) {
                addFloats(sl.addArray(), l);
            }
        }
        o.put("greedy_text", loaded.tokenizer().decode(result.tokens()));
        o.put("generator", "caravel 0.1.0");
        return mapper.writeValueAsString(o);
    }

    private static void addFloats(ArrayNode a, float[] values) {
        for (float v : values) {
            a.add(v);
        }
    }
}
