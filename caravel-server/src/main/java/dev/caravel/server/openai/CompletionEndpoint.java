package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.batch.BatchJob;
import dev.caravel.engine.batch.TokenLogprobs;
import dev.caravel.server.Call;
import dev.caravel.server.metrics.Metrics;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import dev.caravel.tokenizer.Tokenizer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/completions}, the legacy text completion API, including what evaluation harnesses rely on:
 * token-id prompts, {@code echo} with the prompt's own log-probabilities (the first token's is null) and
 * {@code max_tokens: 0}.
 */
public final class CompletionEndpoint {
    static final Set<String> FIELDS = Set.of("model", "prompt", "best_of", "echo", "frequency_penalty", "logit_bias",
            "logprobs", "max_tokens", "n", "presence_penalty", "seed", "stop", "stream", "stream_options", "suffix",
            "temperature", "top_p", "user", "top_k", "min_p", "repeat_penalty", "ignore_eos");

    private final ModelRegistry models;
    private final Metrics metrics;
    private final Duration keepAliveAfter;

    /** @param keepAliveAfter how long a non-streamed answer runs before it starts checking for its client (see {@link KeepAlive}) */
    public CompletionEndpoint(ModelRegistry models, Metrics metrics, Duration keepAliveAfter) {
        this.models = models;
        this.metrics = metrics;
        this.keepAliveAfter = keepAliveAfter;
    }

    /** One prompt: its ids, and its text for {@code echo}. */
    private record Prompt(int[] ids, String text) {
    }

    /** One choice's output so far. */
    private static final class Choice {
        final StringBuilder text = new StringBuilder();
        final List<TokenLogprobs> logprobs = new ArrayList<>();
        TokenLogprobs[] promptLogprobs;
        GenerationResult result;
        int generated;
        int logprobsSent;
    }

    public void handle(Call call) throws IOException {
        Fields f = new Fields(call.jsonBody(), FIELDS);
        ServedModel m = models.get(f.requiredString("model"));
        if (!m.generatesText()) {
            throw ApiException.invalid("model", "'" + m.name() + "' is an embedding model: use it with /v1/embeddings");
        }
        if (f.has("suffix")) {
            throw ApiException.invalid("suffix", "'suffix' (fill-in-the-middle) is not supported by this server");
        }
        JsonNode bias = f.node("logit_bias");
        if (bias != null && (!bias.isObject() || !bias.isEmpty())) {
            throw ApiException.invalid("logit_bias", "'logit_bias' is not supported by this server");
        }
        f.string("user", null);
        Tokenizer tok = m.tokenizer();
        List<Prompt> prompts = prompts(f.node("prompt"), tok);
        int n = (int) f.integer("n", 1, 1, 16);
        if (f.integer("best_of", n, n, n) != n) {
            throw ApiException.invalid("best_of", "'best_of' must equal 'n'");
        }
        boolean echo = f.bool("echo", false);
        int logprobs = (int) f.integer("logprobs", -1, 0, BatchJob.MAX_TOP_LOGPROBS);
        int maxTokens = (int) f.integer("max_tokens", 16, 0, Integer.MAX_VALUE);
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        if (f.has("stream_options")) {
            if (!stream) {
                throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            }
            includeUsage = new Fields(f.node("stream_options"), Set.of("include_usage", "include_obfuscation"))
                    .bool("include_usage", false);
        }
        SamplingFields sampling = SamplingFields.read(f);
        List<String> stops = f.stops("stop", 4);
        boolean promptLogprobs = echo && logprobs >= 0;
        int jobs = prompts.size() * n;
        Generation g;
        try {
            g = Generation.submit(m.scheduler(), jobs, (i, listener) -> new BatchJob(prompts.get(i / n).ids(),
                    // The engine always samples one token; with max_tokens 0 it is dropped (see collect).
                    new GenerationRequest(Math.max(1, maxTokens), sampling.params(i % n), stops, sampling.ignoreEos()),
                    logprobs, promptLogprobs, null, listener),
                    () -> metrics.timeToFirstToken(m.name(), (System.nanoTime() - call.started()) / 1e9));
        } catch (dev.caravel.engine.ContextOverflowException e) {
            throw new ApiException(400, "invalid_request_error", e.getMessage(), "prompt", "context_length_exceeded");
        }
        Request r = new Request(m, prompts, n, echo, logprobs, maxTokens, includeUsage);
        g.respond(() -> {
            if (stream) {
                stream(call, r, g);
            } else {
                complete(call, r, g);
            }
        });
    }

    private record Request(ServedModel model, List<Prompt> prompts, int n, boolean echo, int logprobs, int maxTokens,
                           boolean includeUsage) {
        Prompt prompt(int choice) {
            return prompts.get(choice / n);
        }
    }

    /** {@code prompt}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static List<Prompt> prompts(JsonNode p, Tokenizer tok) {
        if (p == null) {
            throw new ApiException(400, "invalid_request_error", "you must provide a 'prompt' parameter", "prompt",
                    "missing_required_parameter");
        }
        List<Prompt> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(text(p.textValue(), tok));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            out.add(ids(p, "prompt", tok));
        } else if (p.isArray() && !p.isEmpty()) {
            for (int i = 0; i < p.size(); i++) {
                JsonNode e = p.get(i);
                if (e.isTextual()) {
                    out.add(text(e.textValue(), tok));
                } else if (e.isArray()) {
                    out.add(ids(e, "prompt[" + i + "]", tok));
                } else {
                    throw ApiException.invalid("prompt", "'prompt' must be a string, an array of strings, an array of "
                            + "token ids or an array of token-id arrays");
                }
            }
        } else {
            throw ApiException.invalid("prompt", "'prompt' must be a string, an array of strings, an array of "
                    + "token ids or an array of token-id arrays (and not empty)");
        }
        if (out.size() > 64) {
            throw ApiException.invalid("prompt", "at most 64 prompts per request, got " + out.size());
        }
        return out;
    }

    private static Prompt text(String s, Tokenizer tok) {
        int[] ids = tok.encode(s, true, true);
        if (ids.length == 0) {
            throw ApiException.invalid("prompt", "the prompt is empty");
        }
        return new Prompt(ids, s);
    }

    private static Prompt ids(JsonNode a, String where, Tokenizer tok) {
        if (a.isEmpty()) {
            throw ApiException.invalid(where, "'" + where + "' is an empty token list");
        }
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) Fields.integer(where, a.get(i), 0, tok.vocabSize() - 1);
        }
        return new Prompt(ids, tok.decode(ids, false, false));
    }

    private Choice collect(Generation.Event e, List<Choice> choices, Request r) {
        Choice c = choices.get(e.index());
        switch (e) {
            case Generation.Prompt p -> c.promptLogprobs = p.promptLogprobs();
            case Generation.Token t -> {
                if (r.maxTokens() == 0) {
                    break; // the one sampled token is not part of the answer
                }
                c.text.append(t.text());
                if (t.token() >= 0) {
                    c.generated++;
                    if (t.logprobs() != null) {
                        c.logprobs.add(t.logprobs());
                    }
                }
            }
            case Generation.Done d -> {
                c.result = d.result();
                ChatEndpoint.checkNotCancelled(c.result);
            }
            case Generation.Failed f -> throw new ApiException(500, "server_error", "generation failed: "
                    + f.error().getMessage(), null, "generation_failed");
        }
        return c;
    }

    private void complete(Call call, Request r, Generation g) throws IOException, InterruptedException {
        List<Choice> choices = Generation.perChoice(r.prompts().size() * r.n(), i -> new Choice());
        KeepAlive alive = new KeepAlive(call, keepAliveAfter);
        while (g.running()) {
            Generation.Event e = alive.next(g);
            if (e instanceof Generation.Failed) {
                g.cancel();
            }
            collect(e, choices, r);
        }
        ObjectNode body = Wire.envelope(Wire.id("cmpl-"), "text_completion", Wire.now(), r.model());
        ArrayNode out = body.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            Prompt p = r.prompt(i);
            ObjectNode choice = out.addObject();
            choice.put("text", (r.echo() ? p.text() : "") + (r.maxTokens() == 0 ? "" : c.result.text()));
            choice.put("index", i);
            choice.set("logprobs", r.logprobs() < 0 ? null : legacyLogprobs(r, p, c));
            choice.put("finish_reason", finishReason(r, c.result));
        }
        body.set("usage", usage(r, choices));
        call.sendJson(200, body);
    }

    private void stream(Call call, Request r, Generation g) throws IOException, InterruptedException {
        List<Choice> choices = Generation.perChoice(r.prompts().size() * r.n(), i -> new Choice());
        String id = Wire.id("cmpl-");
        long created = Wire.now();
        Call.Sse sse = call.sse();
        try {
            if (r.echo()) {
                for (int i = 0; i < choices.size(); i++) {
                    sse.event(chunk(id, created, r, i, r.prompt(i).text(), null, null));
                }
            }
            while (g.running()) {
                Generation.Event e = g.next();
                if (e instanceof Generation.Failed) {
                    g.cancel();
                }
                Choice c = choices.get(e.index());
                int before = c.text.length();
                collect(e, choices, r);
                if (e instanceof Generation.Token && c.text.length() > before) {
                    ObjectNode lp = null;
                    if (r.logprobs() >= 0) {
                        // Tokens whose text was held back (a possible stop string) come with the next text.
                        lp = legacyLogprobs(r, null, c.logprobs.subList(c.logprobsSent, c.logprobs.size()), 0);
                        c.logprobsSent = c.logprobs.size();
                    }
                    sse.event(chunk(id, created, r, e.index(), c.text.substring(before), lp, null));
                } else if (e instanceof Generation.Done) {
                    sse.event(chunk(id, created, r, e.index(), "", null, finishReason(r, c.result)));
                }
            }
            if (r.includeUsage()) {
                ObjectNode last = Wire.envelope(id, "text_completion", created, r.model());
                last.putArray("choices");
                last.set("usage", usage(r, choices));
                sse.event(last);
            }
            sse.done();
        } catch (IOException clientGone) {
            g.cancel();
            throw clientGone;
        }
    }

    private static ObjectNode chunk(String id, long created, Request r, int index, String text, ObjectNode logprobs,
                                    String finishReason) {
        ObjectNode o = Wire.envelope(id, "text_completion", created, r.model());
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("text", text);
        choice.put("index", index);
        choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        if (r.includeUsage()) {
            o.putNull("usage");
        }
        return o;
    }

    private static String finishReason(Request r, GenerationResult result) {
        return r.maxTokens() == 0 ? "length" : Wire.finishReason(result.finishReason());
    }

    private static ObjectNode usage(Request r, List<Choice> choices) {
        int prompt = 0;
        for (Prompt p : r.prompts()) {
            prompt += p.ids().length;
        }
        int completion = 0;
        for (Choice c : choices) {
            completion += r.maxTokens() == 0 ? 0 : c.result.tokens().length;
        }
        return Wire.usage(prompt, completion, 0);
    }

    /** The legacy {@code logprobs} object of a whole choice: prompt tokens first when echoed. */
    private ObjectNode legacyLogprobs(Request r, Prompt p, Choice c) {
        ObjectNode lp;
        if (r.echo()) {
            // Prompt token 0 has no log-probability: nothing comes before it.
            List<TokenLogprobs> all = new ArrayList<>();
            all.add(null);
            int[] ids = p.ids();
            for (int i = 1; i < ids.length; i++) {
                all.add(c.promptLogprobs != null ? c.promptLogprobs[i - 1] : null);
            }
            all.addAll(c.logprobs);
            lp = legacyLogprobs(r, ids, all, 0);
        } else {
            lp = legacyLogprobs(r, null, c.logprobs, p.text().length());
        }
        return lp;
    }

    /**
     * {@code tokens, token_logprobs, top_logprobs, text_offset}; {@code ids} gives the tokens of entries that are
     * null (the first prompt token).
     */
    private ObjectNode legacyLogprobs(Request r, int[] ids, List<TokenLogprobs> entries, int offset) {
        Tokenizer tok = r.model().tokenizer();
        ObjectNode o = Wire.F.objectNode();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode lps = o.putArray("token_logprobs");
        ArrayNode tops = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        for (int i = 0; i < entries.size(); i++) {
            TokenLogprobs e = entries.get(i);
            int token = e != null ? e.token() : ids[i];
            String text = LogprobsJson.text(tok, token);
            tokens.add(text);
            offsets.add(offset);
            offset += text.length();
            if (e == null) {
                lps.addNull();
                tops.addNull();
            } else {
                lps.add(e.logprob());
                tops.add(LogprobsJson.legacyTop(tok, e));
            }
        }
        return o;
    }
}
