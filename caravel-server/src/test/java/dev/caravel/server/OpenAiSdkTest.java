package dev.caravel.server;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OpenAI's official Java SDK, unchanged, against {@code caravel serve}. */
class OpenAiSdkTest {
    static TestServer s;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(2, 512, 8, "sk-caravel", CaravelServer.DEFAULT_MAX_BODY);
        client = OpenAIOkHttpClient.builder().baseUrl(s.server.uri() + "/v1").apiKey("sk-caravel")
                .timeout(Duration.ofSeconds(60)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        s.close();
    }

    static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).temperature(0.0).seed(1)
                .addSystemMessage("You tell stories.").addUserMessage("Once upon a time");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(chat("stories260K").maxCompletionTokens(8)
                .logprobs(true).topLogprobs(2).build());
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.model()).isEqualTo("stories260K");
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason()).isIn(ChatCompletion.Choice.FinishReason.STOP, ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(choice.logprobs().orElseThrow().content().orElseThrow()).isNotEmpty();
        assertThat(c.usage().orElseThrow().completionTokens()).isBetween(1L, 8L);
    }

    @Test
    void chatStreaming() {
        StringBuilder text = new StringBuilder();
        long[] usage = {-1};
        String[] finish = {null};
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("stories260K")
                .maxCompletionTokens(8).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    ch.finishReason().ifPresent(r -> finish[0] = r.asString());
                }
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
        }
        ChatCompletion whole = client.chat().completions().create(chat("stories260K").maxCompletionTokens(8).build());
        assertThat(text.toString()).isEqualTo(whole.choices().get(0).message().content().orElseThrow());
        assertThat(finish[0]).isIn("stop", "length");
        assertThat(usage[0]).isBetween(1L, 8L);
    }

    @Test
    void legacyCompletionsModelsAndEmbeddings() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt("Once upon a time").maxTokens(5).temperature(0.0).build());
        assertThat(c.choices().get(0).text()).isNotEmpty();
        assertThat(client.models().list().data()).extracting(m -> m.id()).contains("stories260K", "bert");
        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder().model("bert")
                .input("hello world").build());
        assertThat(e.data().get(0).embedding()).isNotEmpty();
    }

    @Test
    void errorsArriveAsTheSdksExceptions() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("no-such-model").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("stories260K");
        assertThatThrownBy(() -> client.chat().completions().create(chat("stories260K").temperature(5.0).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("temperature");
    }

    /** A structured answer: the SDK derives the JSON schema from this class and parses the reply into it. */
    public static class Forecast {
        @JsonPropertyDescription("whether it will rain")
        public boolean rain;
        public Sky sky;
    }

    public enum Sky { CLEAR, CLOUDY, STORMY }

    @Test
    void jsonSchemaOutputParsesIntoTheClass() {
        Constraints.assumeJsonSchemas(s.server.models().get("random-qwen2-q4_k_m"));
        StructuredChatCompletion<Forecast> c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("random-qwen2-q4_k_m").addUserMessage("Tomorrow's weather?").maxCompletionTokens(200).seed(3)
                .responseFormat(Forecast.class).build());
        Forecast f = c.choices().get(0).message().content().orElseThrow();
        assertThat(f.sky).isNotNull();
    }

    /** The function the model is offered: its arguments' schema comes from this class. */
    public static class GetWeather {
        @JsonPropertyDescription("the city")
        public String city;
    }

    @Test
    void toolCallRoundTrip() {
        Constraints.assumeToolCalls(s.server.models().get("random-qwen2-q4_k_m"));
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model("random-qwen2-q4_k_m")
                .addUserMessage("What is the weather in Paris?").addTool(GetWeather.class)
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).maxCompletionTokens(200).seed(5);
        ChatCompletion first = client.chat().completions().create(b.build());
        assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessage msg = first.choices().get(0).message();
        List<ChatCompletionMessageFunctionToolCall> calls = msg.toolCalls().orElseThrow().stream().map(t -> t.asFunction()).toList();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).function().name()).isEqualTo("GetWeather");
        GetWeather args = calls.get(0).function().arguments(GetWeather.class);
        assertThat(args.city).isNotNull();

        b.addMessage(msg).addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(0).id())
                .content("sunny, 24 °C").build()).toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).maxCompletionTokens(10);
        ChatCompletion answer = client.chat().completions().create(b.build());
        assertThat(answer.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(answer.choices().get(0).message().content()).isPresent();
    }
}
