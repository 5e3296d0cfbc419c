package dev.caravel.engine.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.engine.ChatFormatter;
import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.FinishReason;
import dev.caravel.engine.GenerationRequest;
import dev.caravel.engine.GenerationResult;
import dev.caravel.engine.LoadedModel;
import dev.caravel.engine.SamplingParams;
import dev.caravel.engine.TokenConstraint;
import dev.caravel.engine.batch.BatchJob;
import dev.caravel.engine.batch.BatchScheduler;
import dev.caravel.engine.constrain.ConstrainedGenerationTest;
import dev.caravel.engine.constrain.SchemaValidator;
import dev.caravel.tokenizer.Tokenizer;
import dev.caravel.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolCallFormatTest {
    static final Path SHARED = Path.of(System.getProperty("caravel.shared", "../../shared"));
    static final Path TEMPLATES = SHARED.resolve("reference/templates");
    static final ObjectMapper MAPPER = new ObjectMapper();
    static Tokenizer qwen;

    static final Object WEATHER_SCHEMA = parse("""
            {"type": "object", "properties": {"city": {"type": "string", "description": "城市名"}}, "required": ["city"]}""");
    static final List<ToolSpec> TOOLS = List.of(
            new ToolSpec("get_weather", "Get the weather for a city", WEATHER_SCHEMA),
            new ToolSpec("add", "Add two integers", parse("""
                    {"type":"object","properties":{"a":{"type":"integer","minimum":0,"maximum":100},"b":{"type":"integer"}},
                     "required":["a","b"],"additionalProperties":false}""")),
            new ToolSpec("get_time", "Current time", null));

    static Object parse(String json) {
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @BeforeAll
    static void load() {
        qwen = Tokenizers.fromTokenizerJson(SHARED.resolve("tokenizers/qwen3/tokenizer.json"));
    }

    static String template(String name) throws Exception {
        return Files.readString(TEMPLATES.resolve(name));
    }

    @Test
    void formatChosenFromTheTemplate() throws Exception {
        assertThat(ToolCallFormat.forModel(template("Qwen-Qwen2.5-7B-Instruct.jinja"), qwen).name()).isEqualTo("hermes");
        assertThat(ToolCallFormat.forModel(template("Qwen-Qwen3.jinja"), qwen).name()).isEqualTo("hermes");
        assertThat(ToolCallFormat.forModel(template("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"), qwen).name()).isEqualTo("hermes");
        assertThat(ToolCallFormat.forModel(template("meta-llama-Llama-3.1-8B-Instruct.jinja"), qwen).name()).isEqualTo("llama3");
        assertThat(ToolCallFormat.forModel(template("meta-llama-Llama-3.2-3B-Instruct.jinja"), qwen).name()).isEqualTo("llama3");
        assertThat(ToolCallFormat.forModel(template("meta-llama-Llama-3.3-70B-Instruct.jinja"), qwen).name()).isEqualTo("llama3");
        assertThat(ToolCallFormat.forModel(template("mistralai-Mistral-Nemo-Instruct-2407.jinja"), qwen).name()).isEqualTo("mistral");
        assertThat(ToolCallFormat.forModel("[gMASK]<sop>{% for item in messages %}<|observation|>{% endfor %}", qwen).name()).isEqualTo("glm4");
        assertThat(ToolCallFormat.forModel(null, qwen).name()).isEqualTo("hermes");
    }

    /** An OpenAI-style conversation: arguments as a JSON string, as clients send them. */
    static List<ChatMessage> conversation(String callId) {
        Map<String, Object> call = Map.of("id", callId, "type", "function",
                "function", Map.of("name", "get_weather", "arguments", "{\"city\": \"北京\"}"));
        return List.of(
                ChatMessage.of("user", "What's the weather in 北京?"),
                new ChatMessage("assistant", "", Map.of("tool_calls", List.of(call))),
                new ChatMessage("tool", "{\"temp\": 21}", Map.of("name", "get_weather", "tool_call_id", callId)));
    }

    static List<Object> openAiTools() {
        Map<String, Object> fn = new java.util.LinkedHashMap<>();
        fn.put("name", "get_weather");
        fn.put("description", "Get the weather for a city");
        fn.put("parameters", WEATHER_SCHEMA);
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", fn);
        return List.of(tool);
    }

    static void assertOneWeatherCall(ToolCallFormat.Parsed p) throws Exception {
        assertThat(p.calls()).hasSize(1);
        assertThat(p.calls().get(0).name()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(p.calls().get(0).argumentsJson())).isEqualTo(MAPPER.readTree("{\"city\": \"北京\"}"));
        assertThat(p.calls().get(0).id()).matches("call_[A-Za-z0-9]{24}");
        assertThat(p.content()).isNull();
    }

    @Test
    void qwenTemplateRendersAdaptedMessagesLikeTheReferenceAndParsesBack() throws Exception {
        String src = template("Qwen-Qwen2.5-7B-Instruct.jinja");
        ToolCallFormat f = ToolCallFormat.forModel(src, qwen);
        ChatFormatter chat = new ChatFormatter(src, qwen);
        List<ChatMessage> adapted = f.adaptMessages(conversation("call_1"));
        String rendered = chat.render(adapted, true, Map.of("tools", openAiTools()));
        // The reference rendering had the arguments as an object: adapting the string form gives the same prompt.
        String expected = Files.readString(TEMPLATES.resolve("expected/Qwen-Qwen2.5-7B-Instruct.tools.gen.expected.txt"));
        assertThat(rendered).isEqualTo(expected);
        int start = rendered.indexOf("<|im_start|>assistant") + "<|im_start|>assistant".length();
        assertOneWeatherCall(f.parse(rendered.substring(start, rendered.indexOf("<|im_end|>", start))));
    }

    @Test
    void llamaTemplateRoundTrip() throws Exception {
        String src = template("meta-llama-Llama-3.1-8B-Instruct.jinja");
        ToolCallFormat f = ToolCallFormat.forModel(src, qwen);
        String rendered = new ChatFormatter(src, qwen).render(f.adaptMessages(conversation("call_1")), false, Map.of("tools", openAiTools()));
        String head = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        int start = rendered.lastIndexOf(head) + head.length();
        String reply = rendered.substring(start, rendered.indexOf("<|eot_id|>", start));
        assertThat(reply).isEqualTo("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"北京\"}}");
        assertOneWeatherCall(f.parse(reply));
        assertOneWeatherCall(f.parse("<|python_tag|>" + reply));
    }

    @Test
    void mistralTemplateRoundTrip() throws Exception {
        String src = template("mistralai-Mistral-Nemo-Instruct-2407.jinja");
        ToolCallFormat f = ToolCallFormat.forModel(src, qwen);
        List<ChatMessage> adapted = f.adaptMessages(conversation("call_abcdefghijklmnopqrstuvwx"));
        String rendered = new ChatFormatter(src, qwen).render(adapted, false, Map.of("tools", openAiTools(), "eos_token", "</s>"));
        int start = rendered.indexOf("[TOOL_CALLS]");
        String reply = rendered.substring(start, rendered.indexOf("</s>", start));
        assertThat(reply).startsWith("[TOOL_CALLS][{").contains("\"id\": \"" + MistralFormat.nineCharId("call_abcdefghijklmnopqrstuvwx") + "\"");
        assertOneWeatherCall(f.parse(reply));
        assertOneWeatherCall(f.parse(reply.substring("[TOOL_CALLS]".length()))); // the control token decodes to nothing
        // The same OpenAI id maps to the same 9-character id in the call and in the tool result.
        assertThat(rendered).contains("\"call_id\": \"" + MistralFormat.nineCharId("call_abcdefghijklmnopqrstuvwx") + "\"");
    }

    @Test
    void parsingEdgeCases() throws Exception {
        ToolCallFormat hermes = ToolCallFormat.forModel(null, qwen);
        ToolCallFormat.Parsed two = hermes.parse("Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"b\", \"arguments\": \"{\\\"y\\\": [2]}\"}\n</tool_call>");
        assertThat(two.content()).isEqualTo("Let me check.");
        assertThat(two.calls()).extracting(ToolCall::name).containsExactly("a", "b");
        assertThat(two.calls().get(1).argumentsJson()).isEqualTo("{\"y\":[2]}");
        ToolCallFormat.Parsed bad = hermes.parse("<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": }\n</tool_call> ok");
        assertThat(bad.calls()).isEmpty();
        assertThat(bad.content()).contains("<tool_call>").endsWith("ok");
        assertThat(hermes.parse("just text").content()).isEqualTo("just text");
        assertThat(hermes.parse("").content()).isNull();
        ToolCallFormat llama = ToolCallFormat.forModel(template("meta-llama-Llama-3.2-3B-Instruct.jinja"), qwen);
        assertThat(llama.parse("{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"q\": 1}}").calls()).hasSize(2);
        assertThat(llama.parse("{\"name\": \"a\", \"parameters\": {} trailing").calls()).isEmpty();
        assertThat(llama.parse("The JSON {\"a\": 1} is nice").content()).isEqualTo("The JSON {\"a\": 1} is nice");
        ToolCallFormat glm = ToolCallFormat.forModel("[gMASK]<sop><|observation|>", qwen);
        assertOneWeatherCall(glm.parse("get_weather\n{\"city\": \"北京\"}"));
        assertThat(glm.parse("\n你好，有什么可以帮你？").content()).isEqualTo("你好，有什么可以帮你？");
        assertThat(glm.stopStrings()).contains("<|observation|>");
    }

    @Test
    void requiredCallAlwaysParsesIntoOneValidCall() throws Exception {
        Random rnd = new Random(9);
        List<String> templates = List.of("Qwen-Qwen2.5-7B-Instruct.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja",
                "mistralai-Mistral-Nemo-Instruct-2407.jinja");
        List<ToolCallFormat> formats = new java.util.ArrayList<>();
        for (String t : templates) {
            formats.add(ToolCallFormat.forModel(template(t), qwen));
        }
        formats.add(ToolCallFormat.forModel("[gMASK]<sop><|observation|>", qwen));
        for (ToolCallFormat f : formats) {
            for (int run = 0; run < 6; run++) {
                String only = run % 3 == 2 ? "add" : null;
                TokenConstraint c = f.requiredCall(TOOLS, only, qwen);
                ConstrainedGenerationTest.Run r = ConstrainedGenerationTest.randomRun(c, qwen, rnd, 120);
                assertThat(r.complete()).as("%s: %s", f.name(), r.text()).isTrue();
                ToolCallFormat.Parsed p = f.parse(r.text());
                assertThat(p.calls()).as("%s: %s", f.name(), r.text()).hasSize(1);
                assertThat(p.content()).isNull();
                ToolCall call = p.calls().get(0);
                if (only != null) {
                    assertThat(call.name()).isEqualTo(only);
                }
                ToolSpec spec = TOOLS.stream().filter(t -> t.name().equals(call.name())).findFirst().orElseThrow();
                Object schema = spec.parametersSchema() == null ? Map.of("type", "object") : spec.parametersSchema();
                assertThat(SchemaValidator.validate(schema, call.argumentsJson())).as(call.argumentsJson()).isNull();
            }
        }
        assertThatThrownBy(() -> formats.get(0).requiredCall(TOOLS, "nope", qwen)).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> formats.get(0).requiredCall(List.of(new ToolSpec("x", null, Map.of("type", "object", "not", Map.of()))), null, qwen))
                .hasMessageContaining("tool 'x'").hasMessageContaining("'not'");
    }

    @Test
    void requiredCallThroughTheBatchScheduler() throws Exception {
        try (LoadedModel m = LoadedModel.open(SHARED.resolve("models/stories260K.gguf"));
             BatchScheduler sched = BatchScheduler.forModel(m, 2, 512, 4)) {
            ToolCallFormat f = ToolCallFormat.forModel(null, m.tokenizer());
            for (long seed = 0; seed < 3; seed++) {
                ConstrainedGenerationTest.Collector c = new ConstrainedGenerationTest.Collector();
                sched.submit(new BatchJob(m.tokenizer().encode("Once upon a time"), GenerationRequest.of(150,
                        SamplingParams.defaults().withSeed(seed)), -1, false, f.requiredCall(TOOLS, null, m.tokenizer()), c));
                GenerationResult r = c.done().get(120, TimeUnit.SECONDS);
                assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
                assertThat(f.parse(r.text()).calls()).as(r.text()).hasSize(1);
            }
        }
    }
}
