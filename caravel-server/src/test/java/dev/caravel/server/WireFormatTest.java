package dev.caravel.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every endpoint's OpenAI wire format, against a real server on a loopback port. */
class WireFormatTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static final String CHAT = """
            {"model": "stories260K", "messages": [{"role": "system", "content": "Tell stories."},
              {"role": "user", "content": [{"type": "text", "text": "Once upon"}, {"type": "text", "text": " a time"}]}],
             "max_tokens": 6, "temperature": 0, "user": "u1", "metadata": {"a": "b"}, "store": false %s}""";

    @Test
    void chatCompletion() throws Exception {
        JsonNode r = s.postJson("/v1/chat/completions", CHAT.formatted(""), 200);
        assertThat(r.get("id").asText()).startsWith("chatcmpl-");
        assertThat(r.get("object").asText()).isEqualTo("chat.completion");
        assertThat(r.get("created").asLong()).isPositive();
        assertThat(r.get("model").asText()).isEqualTo("stories260K");
        assertThat(r.get("system_fingerprint").asText()).startsWith("fp_");
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("index").asInt()).isZero();
        assertThat(c.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(c.get("message").get("content").isTextual()).isTrue();
        assertThat(c.get("finish_reason").asText()).isIn("stop", "length");
        assertThat(c.get("logprobs").isNull()).isTrue();
        JsonNode u = r.get("usage");
        assertThat(u.get("prompt_tokens").asInt()).isPositive();
        assertThat(u.get("completion_tokens").asInt()).isBetween(1, 6);
        assertThat(u.get("total_tokens").asInt()).isEqualTo(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt());
        // Greedy is deterministic; the same prompt a second time is served from the slot's cache.
        JsonNode again = s.postJson("/v1/chat/completions", CHAT.formatted(""), 200);
        assertThat(again.get("choices").get(0).get("message").get("content")).isEqualTo(c.get("message").get("content"));
        assertThat(again.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isPositive();
    }

    @Test
    void llamaCppSamplingExtensionsAreAccepted() throws Exception {
        // ignore_eos: exactly max_tokens, as benchmarks (bench-serve --ignore-eos) need; top_k 1 is greedy.
        String body = CHAT.formatted(", \"ignore_eos\": true, \"top_k\": 1, \"min_p\": 0.05, \"repeat_penalty\": 1.1")
                .replace("\"max_tokens\": 6", "\"max_tokens\": 40");
        JsonNode r = s.postJson("/v1/chat/completions", body, 200);
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(40);
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        JsonNode c = s.postJson("/v1/completions", """
                {"model": "stories260K", "prompt": "Once", "max_tokens": 30, "ignore_eos": true, "top_k": 5}""", 200);
        assertThat(c.get("usage").get("completion_tokens").asInt()).isEqualTo(30);
    }

    @Test
    void chatStreamChunksAndDone() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions",
                CHAT.formatted(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = TestServer.events(r.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        JsonNode first = TestServer.parse(events.getFirst());
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        String id = first.get("id").asText();
        String finish = null;
        for (String e : events.subList(0, events.size() - 2)) {
            JsonNode chunk = TestServer.parse(e);
            assertThat(chunk.get("id").asText()).isEqualTo(id);
            assertThat(chunk.has("usage") && chunk.get("usage").isNull()).isTrue();
            JsonNode choice = chunk.get("choices").get(0);
            text.append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertThat(finish).isIn("stop", "length");
        JsonNode usage = TestServer.parse(events.get(events.size() - 2));
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isBetween(1, 6);
        // Same text as the non-streamed answer.
        JsonNode whole = s.postJson("/v1/chat/completions", CHAT.formatted(""), 200);
        assertThat(text.toString()).isEqualTo(whole.get("choices").get(0).get("message").get("content").asText());
    }

    @Test
    void chatLogprobsAndSeveralChoices() throws Exception {
        JsonNode r = s.postJson("/v1/chat/completions", CHAT.formatted(
                ", \"logprobs\": true, \"top_logprobs\": 3, \"n\": 2, \"seed\": 7, \"temperature\": 1"), 200);
        assertThat(r.get("choices")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode c = r.get("choices").get(i);
            assertThat(c.get("index").asInt()).isEqualTo(i);
            JsonNode content = c.get("logprobs").get("content");
            assertThat(content.size()).isBetween(1, 6);
            JsonNode e = content.get(0);
            assertThat(e.get("token").isTextual()).isTrue();
            assertThat(e.get("logprob").asDouble()).isLessThanOrEqualTo(0);
            assertThat(e.get("bytes").isArray()).isTrue();
            assertThat(e.get("top_logprobs")).hasSize(3);
            assertThat(e.get("top_logprobs").get(0).get("logprob").asDouble())
                    .isGreaterThanOrEqualTo(e.get("top_logprobs").get(2).get("logprob").asDouble());
        }
        // A seed makes sampling reproducible.
        JsonNode again = s.postJson("/v1/chat/completions", CHAT.formatted(
                ", \"logprobs\": true, \"top_logprobs\": 3, \"n\": 2, \"seed\": 7, \"temperature\": 1"), 200);
        assertThat(again.get("choices").get(1).get("message")).isEqualTo(r.get("choices").get(1).get("message"));
    }

    @Test
    void chatStopStringsAndPenalties() throws Exception {
        JsonNode r = s.postJson("/v1/chat/completions", CHAT.formatted(
                ", \"stop\": [\"the\", \"a\"], \"presence_penalty\": 0.5, \"frequency_penalty\": 0.5, \"max_tokens\": 40"), 200);
        String text = r.get("choices").get(0).get("message").get("content").asText();
        assertThat(text).doesNotContain("the").doesNotContain("a");
    }

    @Test
    void toolMessagesAndToolsRenderThroughTheTemplate() throws Exception {
        // A full tool round trip's request shape is accepted (the model here is too small to call tools itself).
        JsonNode r = s.postJson("/v1/chat/completions", """
                {"model": "random-qwen2-q4_k_m", "max_tokens": 3, "tool_choice": "auto", "parallel_tool_calls": false,
                 "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
                 "messages": [{"role": "user", "content": "Weather in Paris?"},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]}""", 200);
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).isIn("stop", "length", "tool_calls");
    }

    @Test
    void textCompletionEchoWithPromptLogprobs() throws Exception {
        JsonNode r = s.postJson("/v1/completions", """
                {"model": "stories260K", "prompt": "Once upon a time", "max_tokens": 0, "echo": true, "logprobs": 1}""", 200);
        assertThat(r.get("object").asText()).isEqualTo("text_completion");
        assertThat(r.get("id").asText()).startsWith("cmpl-");
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("text").asText()).isEqualTo("Once upon a time");
        assertThat(c.get("finish_reason").asText()).isEqualTo("length");
        JsonNode lp = c.get("logprobs");
        int n = lp.get("tokens").size();
        JsonNode tok = s.postJson("/tokenize", "{\"model\": \"stories260K\", \"content\": \"Once upon a time\", \"add_special\": true}", 200);
        assertThat(n).isEqualTo(tok.get("tokens").size());
        assertThat(lp.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(lp.get("top_logprobs").get(0).isNull()).isTrue();
        for (int i = 1; i < n; i++) {
            assertThat(lp.get("token_logprobs").get(i).asDouble()).isNegative();
            assertThat(lp.get("top_logprobs").get(i).size()).isEqualTo(1);
        }
        assertThat(lp.get("text_offset").get(0).asInt()).isZero();
        assertThat(r.get("usage").get("completion_tokens").asInt()).isZero();
    }

    @Test
    void textCompletionTokenPromptsAndSeveralPrompts() throws Exception {
        JsonNode ids = s.postJson("/tokenize", "{\"model\": \"stories260K\", \"content\": \"Once upon a time\", \"add_special\": true}", 200)
                .get("tokens");
        JsonNode r = s.postJson("/v1/completions", """
                {"model": "stories260K", "prompt": [%s, "The dog"], "max_tokens": 5, "temperature": 0, "n": 2, "logprobs": 2}"""
                .formatted(ids.toString()), 200);
        assertThat(r.get("choices")).hasSize(4);
        // Greedy: both choices of a prompt agree; the token prompt equals the text prompt.
        assertThat(r.get("choices").get(0).get("text")).isEqualTo(r.get("choices").get(1).get("text"));
        JsonNode text = s.postJson("/v1/completions", """
                {"model": "stories260K", "prompt": "Once upon a time", "max_tokens": 5, "temperature": 0}""", 200);
        assertThat(r.get("choices").get(0).get("text")).isEqualTo(text.get("choices").get(0).get("text"));
        JsonNode lp = r.get("choices").get(0).get("logprobs");
        assertThat(lp.get("tokens").size()).isEqualTo(lp.get("token_logprobs").size()).isEqualTo(lp.get("text_offset").size());
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(20);
    }

    @Test
    void textCompletionDefaultMaxTokensAndStream() throws Exception {
        JsonNode r = s.postJson("/v1/completions", "{\"model\": \"stories260K\", \"prompt\": \"Once\", \"seed\": 3}", 200);
        assertThat(r.get("usage").get("completion_tokens").asInt()).isBetween(1, 16);
        HttpResponse<String> st = s.post("/v1/completions", """
                {"model": "stories260K", "prompt": "Once", "seed": 3, "stream": true, "echo": true}""");
        List<String> events = TestServer.events(st.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = TestServer.parse(e);
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            text.append(chunk.get("choices").get(0).get("text").asText());
        }
        assertThat(text.toString()).isEqualTo("Once" + r.get("choices").get(0).get("text").asText());
    }

    @Test
    void models() throws Exception {
        JsonNode list = TestServer.parse(s.get("/v1/models").body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id"))
                .containsExactly("stories260K", "random-llama-q4_k_m", "random-qwen2-q4_k_m", "bert");
        JsonNode one = TestServer.parse(s.get("/v1/models/stories260K").body());
        assertThat(one.get("object").asText()).isEqualTo("model");
        assertThat(one.get("owned_by").asText()).isEqualTo("caravel");
        assertThat(s.get("/v1/models/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void embeddingsAsFloatsAndBase64() throws Exception {
        JsonNode f = s.postJson("/v1/embeddings", "{\"model\": \"bert\", \"input\": [\"hello world\", \"good day\"]}", 200);
        assertThat(f.get("object").asText()).isEqualTo("list");
        assertThat(f.get("data")).hasSize(2);
        JsonNode v = f.get("data").get(0).get("embedding");
        double norm = 0;
        for (JsonNode x : v) {
            norm += x.asDouble() * x.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(f.get("usage").get("prompt_tokens").asInt()).isPositive();
        JsonNode b = s.postJson("/v1/embeddings", "{\"model\": \"bert\", \"input\": \"hello world\", \"encoding_format\": \"base64\"}", 200);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b.get("data").get(0).get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining() / 4).isEqualTo(v.size());
        for (int i = 0; i < v.size(); i++) {
            assertThat(bytes.getFloat()).isEqualTo(v.get(i).floatValue());
        }
        assertThat(s.post("/v1/embeddings", "{\"model\": \"stories260K\", \"input\": \"x\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void tokenizeDetokenizeHealthMetrics() throws Exception {
        JsonNode t = s.postJson("/tokenize", "{\"model\": \"stories260K\", \"content\": \"Once upon a time\"}", 200);
        JsonNode d = s.postJson("/detokenize", "{\"model\": \"stories260K\", \"tokens\": " + t.get("tokens") + "}", 200);
        assertThat(d.get("content").asText()).isEqualTo("Once upon a time");
        assertThat(s.get("/health").body()).isEqualTo("{\"status\":\"ok\"}");
        s.postJson("/v1/completions", "{\"model\": \"stories260K\", \"prompt\": \"Once\", \"max_tokens\": 2}", 200);
        HttpResponse<String> m = s.get("/metrics");
        assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(m.body())
                .contains("caravel_requests_total{endpoint=\"/v1/completions\",status=\"200\"}")
                .contains("caravel_generated_tokens_total{model=\"stories260K\"}")
                .contains("caravel_prompt_tokens_total{model=\"stories260K\"}")
                .contains("caravel_queue_depth{model=\"stories260K\"} 0")
                .contains("caravel_active_slots{model=\"stories260K\"}")
                .contains("caravel_time_to_first_token_seconds_bucket{model=\"stories260K\",le=\"+Inf\"}")
                .contains("caravel_tokens_per_second{model=\"stories260K\"}");
    }

    @Test
    void streamedChoicesCarryTheirIndexAndLogprobs() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions",
                CHAT.formatted(", \"stream\": true, \"n\": 2, \"logprobs\": true, \"top_logprobs\": 1, \"seed\": 5, \"temperature\": 1"));
        List<String> events = TestServer.events(r.body());
        int[] finished = new int[2];
        int[] logprobs = new int[2];
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode choice = TestServer.parse(e).get("choices").get(0);
            int i = choice.get("index").asInt();
            if (!choice.get("finish_reason").isNull()) {
                finished[i]++;
            }
            if (!choice.get("logprobs").isNull()) {
                logprobs[i] += choice.get("logprobs").get("content").size();
            }
        }
        assertThat(finished).containsExactly(1, 1);
        JsonNode whole = s.postJson("/v1/chat/completions",
                CHAT.formatted(", \"n\": 2, \"logprobs\": true, \"top_logprobs\": 1, \"seed\": 5, \"temperature\": 1"), 200);
        for (int i = 0; i < 2; i++) {
            assertThat(logprobs[i]).isEqualTo(whole.get("choices").get(i).get("logprobs").get("content").size());
        }
    }

    @Test
    void tokenizeWithPiecesAndModelChoice() throws Exception {
        JsonNode t = s.postJson("/tokenize", "{\"model\": \"stories260K\", \"content\": \"Once\", \"with_pieces\": true}", 200);
        assertThat(t.get("tokens").get(0).has("id")).isTrue();
        assertThat(t.get("tokens").get(0).get("piece").asText()).contains("Once");
        // Four models are served: which one must be said.
        assertThat(s.post("/tokenize", "{\"content\": \"Once\"}").statusCode()).isEqualTo(400);
    }
}
