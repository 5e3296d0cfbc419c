package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.batch.BatchJob;
import dev.caravel.engine.constrain.JsonSchemaConstraint;
import dev.caravel.engine.tools.ToolCall;
import dev.caravel.engine.tools.ToolCallFormat;
import dev.caravel.server.Call;
import dev.caravel.server.metrics.Metrics;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import dev.caravel.tokenizer.Tokenizer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/chat/completions}: the chat template, the scheduler, and OpenAI's response and chunk shapes. */
public final class ChatEndpoint {
    private final ModelRegistry models;
    private final Metrics metrics;
    private final Duration keepAliveAfter;

    /** @param keepAliveAfter how long a non-streamed answer runs before it starts checking for its client (see {@link KeepAlive}) */
    public ChatEndpoint(ModelRegistry models, Metrics metrics, Duration keepAliveAfter) {
        this.models = models;
        this.metrics = metrics;
        this.keepAliveAfter = keepAliveAfter;
    }

    /** What one request needs while its jobs run. */
    private record Plan(ChatRequest req, ServedModel model, int[] prompt, ToolCallFormat tools) {
    }

    /** One choice's output so far. */
    private static final class Choice {
        final List<ObjectNode> logprobs = new ArrayList<>();
        GenerationResult result;
        ContentHold hold;
    }

    public void handle(Call call) throws IOException {
        ChatRequest req = ChatRequest.parse(call.jsonBody());
        ServedModel m = models.get(req.model());
        if (!m.generatesText()) {
            throw ApiException.invalid("model", "'" + m.name() + "' is an embedding model: use it with /v1/embeddings");
        }
        boolean toolsOn = req.toolChoice().mode() != ChatRequest.ToolMode.NONE;
        ToolCallFormat format = toolsOn ? m.toolFormat() : null;
        Plan plan = new Plan(req, m, prompt(m, req, toolsOn), format);
        List<String> stops = new ArrayList<>(req.stop());
        stops.addAll(m.chat().extraStops());
        if (format != null) {
            stops.addAll(format.stopStrings());
        }
        TokenConstraint[] constraints = new TokenConstraint[req.n()];
        for (int i = 0; i < constraints.length; i++) {
            constraints[i] = constraint(req, m.tokenizer(), format); // stateful: one per job
        }
        Generation g = Generation.submit(m.scheduler(), req.n(), (i, listener) -> new BatchJob(plan.prompt(),
                new GenerationRequest(req.maxTokens() > 0 ? req.maxTokens() : -1, req.sampling().params(i),
                        stops.stream().distinct().toList(), req.sampling().ignoreEos()),
                req.logprobs(), false, constraints[i], listener),
                () -> metrics.timeToFirstToken(m.name(), (System.nanoTime() - call.started()) / 1e9));
        g.respond(() -> {
            if (req.stream()) {
                stream(call, plan, g);
            } else {
                complete(call, plan, g);
            }
        });
    }

    /** The conversation through the model's chat template (with the tools, when offered), as token ids. */
    private static int[] prompt(ServedModel m, ChatRequest req, boolean toolsOn) {
        Map<String, Object> vars = new LinkedHashMap<>();
        if (toolsOn) {
            vars.put("tools", req.toolsJson());
        }
        // Earlier tool calls and results in the template's own conventions (arguments as objects, Mistral's ids).
        String text = m.chat().render(m.toolFormat().adaptMessages(req.messages()), true, vars);
        Tokenizer t = m.tokenizer();
        int[] ids = t.encode(text, true, true);
        // A template that writes BOS itself would otherwise start the prompt with two.
        if (ids.length >= 2 && t.bos() >= 0 && ids[0] == t.bos() && ids[1] == t.bos()) {
            ids = Arrays.copyOfRange(ids, 1, ids.length);
        }
        if (ids.length == 0) {
            throw ApiException.invalid("messages", "the messages render to an empty prompt");
        }
        return ids;
    }

    private static TokenConstraint constraint(ChatRequest req, Tokenizer t, ToolCallFormat format) {
        if (req.toolChoice().mode() == ChatRequest.ToolMode.REQUIRED) {
            return format.requiredCall(req.tools(), req.toolChoice().name(), t);
        }
        try {
            return switch (req.responseFormat().kind()) {
                case TEXT -> null;
                case JSON_OBJECT -> JsonSchemaConstraint.anyJsonObject(t);
                case JSON_SCHEMA -> JsonSchemaConstraint.compile(req.responseFormat().schema(), t);
            };
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("response_format", "invalid JSON schema in 'response_format': " + e.getMessage());
        }
    }

    // ---- a whole response at once ----

    private void complete(Call call, Plan plan, Generation g) throws IOException, InterruptedException {
        Tokenizer tok = plan.model().tokenizer();
        List<Choice> choices = Generation.perChoice(plan.req().n(), i -> new Choice());
        int reused = 0;
        KeepAlive alive = new KeepAlive(call, keepAliveAfter);
        while (g.running()) {
            switch (alive.next(g)) {
                case Generation.Prompt p -> reused = Math.max(reused, p.reusedTokens());
                case Generation.Token t -> {
                    if (t.logprobs() != null) {
                        choices.get(t.index()).logprobs.add(LogprobsJson.chatEntry(tok, t.logprobs()));
                    }
                }
                case Generation.Done d -> choices.get(d.index()).result = d.result();
                case Generation.Failed f -> throw failed(g, f);
            }
        }
        ObjectNode body = Wire.envelope(Wire.id("chatcmpl-"), "chat.completion", Wire.now(), plan.model());
        ArrayNode out = body.putArray("choices");
        int completion = 0;
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            checkNotCancelled(c.result);
            completion += c.result.tokens().length;
            ObjectNode choice = out.addObject();
            choice.put("index", i);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            ToolCallFormat.Parsed parsed = plan.tools() != null ? plan.tools().parse(c.result.text()) : null;
            if (parsed != null && !parsed.calls().isEmpty()) {
                message.put("content", parsed.content() == null || parsed.content().isBlank() ? null : parsed.content());
                message.set("tool_calls", toolCalls(parsed.calls(), false));
                choice.put("finish_reason", "tool_calls");
            } else {
                message.put("content", c.result.text());
                choice.put("finish_reason", Wire.finishReason(c.result.finishReason()));
            }
            message.putNull("refusal");
            if (plan.req().logprobs() >= 0) {
                ObjectNode lp = choice.putObject("logprobs");
                lp.putArray("content").addAll(c.logprobs);
                lp.putNull("refusal");
            } else {
                choice.putNull("logprobs");
            }
        }
        body.set("usage", Wire.usage(plan.prompt().length, completion, reused));
        call.sendJson(200, body);
    }

    // ---- server-sent events ----

    private void stream(Call call, Plan plan, Generation g) throws IOException, InterruptedException {
        Tokenizer tok = plan.model().tokenizer();
        ChatRequest req = plan.req();
        String id = Wire.id("chatcmpl-");
        long created = Wire.now();
        boolean holdAll = req.toolChoice().mode() == ChatRequest.ToolMode.REQUIRED;
        List<Choice> choices = Generation.perChoice(req.n(), i -> new Choice());
        Call.Sse sse = call.sse();
        try {
            for (int i = 0; i < req.n(); i++) {
                if (plan.tools() != null) {
                    choices.get(i).hold = new ContentHold(holdAll);
                }
                ObjectNode delta = Wire.F.objectNode().put("role", "assistant").put("content", "");
                sse.event(chunk(id, created, plan, i, delta, null, null));
            }
            int reused = 0;
            int completion = 0;
            while (g.running()) {
                switch (g.next()) {
                    case Generation.Prompt p -> reused = Math.max(reused, p.reusedTokens());
                    case Generation.Token t -> {
                        Choice c = choices.get(t.index());
                        if (t.logprobs() != null) {
                            c.logprobs.add(LogprobsJson.chatEntry(tok, t.logprobs()));
                        }
                        String text = c.hold != null ? c.hold.offer(t.text()) : t.text();
                        if (!text.isEmpty()) {
                            sse.event(chunk(id, created, plan, t.index(), Wire.F.objectNode().put("content", text),
                                    takeLogprobs(req, c), null));
                        }
                    }
                    case Generation.Done d -> {
                        Choice c = choices.get(d.index());
                        c.result = d.result();
                        checkNotCancelled(c.result);
                        completion += c.result.tokens().length;
                        finishChoice(sse, id, created, plan, d.index(), c);
                    }
                    case Generation.Failed f -> throw failed(g, f);
                }
            }
            if (req.includeUsage()) {
                ObjectNode last = Wire.envelope(id, "chat.completion.chunk", created, plan.model());
                last.putArray("choices");
                last.set("usage", Wire.usage(plan.prompt().length, completion, reused));
                sse.event(last);
            }
            sse.done();
        } catch (IOException clientGone) {
            g.cancel();
            throw clientGone;
        }
    }

    /** The end of one streamed choice: held-back text or tool calls, then the chunk with its finish reason. */
    private void finishChoice(Call.Sse sse, String id, long created, Plan plan, int index, Choice c) throws IOException {
        String reason = Wire.finishReason(c.result.finishReason());
        if (c.hold != null) {
            ToolCallFormat.Parsed parsed = plan.tools().parse(c.result.text());
            if (!parsed.calls().isEmpty()) {
                String content = parsed.content() == null ? "" : parsed.content();
                String streamed = c.hold.streamed();
                if (content.startsWith(streamed) && !content.substring(streamed.length()).isBlank()) {
                    sse.event(chunk(id, created, plan, index,
                            Wire.F.objectNode().put("content", content.substring(streamed.length())), null, null));
                }
                ObjectNode delta = Wire.F.objectNode();
                delta.set("tool_calls", toolCalls(parsed.calls(), true));
                sse.event(chunk(id, created, plan, index, delta, takeLogprobs(plan.req(), c), null));
                reason = "tool_calls";
            } else if (!c.hold.held().isEmpty()) {
                sse.event(chunk(id, created, plan, index, Wire.F.objectNode().put("content", c.hold.held()),
                        takeLogprobs(plan.req(), c), null));
            }
        }
        sse.event(chunk(id, created, plan, index, Wire.F.objectNode(), takeLogprobs(plan.req(), c), reason));
    }

    private static ObjectNode chunk(String id, long created, Plan plan, int index, ObjectNode delta, ObjectNode logprobs,
                                    String finishReason) {
        ObjectNode o = Wire.envelope(id, "chat.completion.chunk", created, plan.model());
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        if (plan.req().includeUsage()) {
            o.putNull("usage");
        }
        return o;
    }

    /** The logprob entries not yet sent, as a chunk's {@code logprobs} (null when none were asked for). */
    private static ObjectNode takeLogprobs(ChatRequest req, Choice c) {
        if (req.logprobs() < 0 || c.logprobs.isEmpty()) {
            return null;
        }
        ObjectNode lp = Wire.F.objectNode();
        lp.putArray("content").addAll(c.logprobs);
        lp.putNull("refusal");
        c.logprobs.clear();
        return lp;
    }

    /** OpenAI's {@code tool_calls}; in chunks each call also carries its {@code index}. */
    private static ArrayNode toolCalls(List<ToolCall> calls, boolean streaming) {
        ArrayNode out = Wire.F.arrayNode();
        for (int i = 0; i < calls.size(); i++) {
            ToolCall tc = calls.get(i);
            ObjectNode o = out.addObject();
            if (streaming) {
                o.put("index", i);
            }
            o.put("id", tc.id() != null && !tc.id().isEmpty() ? tc.id() : Wire.id("call_"));
            o.put("type", "function");
            ObjectNode fn = o.putObject("function");
            fn.put("name", tc.name());
            fn.put("arguments", tc.argumentsJson());
        }
        return out;
    }

    static void checkNotCancelled(GenerationResult r) {
        if (r.finishReason() == FinishReason.CANCELLED) {
            throw new ApiException(503, "server_error", "the server is shutting down", null, "server_shutting_down");
        }
    }

    static ApiException failed(Generation g, Generation.Failed f) {
        g.cancel();
        return new ApiException(500, "server_error", "generation failed: " + f.error().getMessage(), null, "generation_failed");
    }
}
