package dev.caravel.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j's OpenAI chat models, unchanged, against {@code caravel serve}. */
class LangChain4jTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(2, 512, 8, "sk-caravel", CaravelServer.DEFAULT_MAX_BODY);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static OpenAiChatModel model(String name, int maxTokens) {
        return OpenAiChatModel.builder().baseUrl(s.server.uri() + "/v1").apiKey("sk-caravel").modelName(name)
                .temperature(0.0).seed(1).maxTokens(maxTokens).timeout(Duration.ofSeconds(60)).maxRetries(0)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true).build();
    }

    @Test
    void chat() {
        String answer = model("stories260K", 8).chat("Once upon a time");
        assertThat(answer).isNotNull();
        ChatResponse r = model("stories260K", 8).chat(ChatRequest.builder().messages(UserMessage.from("Once upon a time")).build());
        assertThat(r.aiMessage().text()).isEqualTo(answer);
        assertThat(r.tokenUsage().outputTokenCount()).isBetween(1, 8);
        assertThat(r.finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
    }

    @Test
    void streamingChat() throws Exception {
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(s.server.uri() + "/v1")
                .apiKey("sk-caravel").modelName("stories260K").temperature(0.0).seed(1).maxTokens(8)
                .timeout(Duration.ofSeconds(60)).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Once upon a time", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertThat(r.aiMessage().text()).isEqualTo(partial.toString());
        assertThat(partial.toString()).isEqualTo(model("stories260K", 8).chat("Once upon a time"));
    }

    @Test
    void jsonSchemaResponseParsesAndValidates() throws Exception {
        Constraints.assumeJsonSchemas(s.server.models().get("random-qwen2-q4_k_m"));
        JsonSchema schema = JsonSchema.builder().name("forecast").rootElement(JsonObjectSchema.builder()
                .addBooleanProperty("rain").addProperty("sky", JsonEnumSchema.builder().enumValues("clear", "cloudy").build())
                .required("rain", "sky").additionalProperties(false).build()).build();
        ChatResponse r = model("random-qwen2-q4_k_m", 200).chat(ChatRequest.builder()
                .messages(UserMessage.from("Tomorrow's weather?"))
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build()).build());
        JsonNode json = TestServer.JSON.readTree(r.aiMessage().text());
        assertThat(json.get("rain").isBoolean()).isTrue();
        assertThat(json.get("sky").asText()).isIn("clear", "cloudy");
        assertThat(json.size()).isEqualTo(2);
    }

    @Test
    void toolCallRoundTrip() {
        Constraints.assumeToolCalls(s.server.models().get("random-qwen2-q4_k_m"));
        OpenAiChatModel m = model("random-qwen2-q4_k_m", 200);
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather in a city")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        List<ChatMessage> messages = new ArrayList<>(List.of(UserMessage.from("What is the weather in Paris?")));
        ChatResponse first = m.chat(ChatRequest.builder().messages(messages).toolSpecifications(weather)
                .toolChoice(ToolChoice.REQUIRED).build());
        AiMessage call = first.aiMessage();
        assertThat(call.hasToolExecutionRequests()).isTrue();
        ToolExecutionRequest req = call.toolExecutionRequests().get(0);
        assertThat(req.name()).isEqualTo("get_weather");
        assertThat(req.arguments()).contains("city");
        messages.add(call);
        messages.add(ToolExecutionResultMessage.from(req, "sunny, 24 °C"));
        ChatResponse answer = model("random-qwen2-q4_k_m", 10).chat(ChatRequest.builder().messages(messages)
                .toolSpecifications(weather).toolChoice(ToolChoice.AUTO).build());
        assertThat(answer.aiMessage()).isNotNull();
    }
}
