package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.engine.ChatMessage;
import dev.caravel.engine.tools.ToolSpec;
import dev.caravel.server.Call;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /v1/chat/completions} body. Every OpenAI field is known: the ones that do not
 * change local generation (user, metadata, store, …) are accepted and ignored, the ones this server cannot
 * honour (audio, logit_bias, …) are refused by name, anything else is an unknown field (400).
 */
record ChatRequest(String model, List<ChatMessage> messages, List<ToolSpec> tools, List<Object> toolsJson,
                   ToolChoice toolChoice, boolean stream, boolean includeUsage, int n, int maxTokens,
                   SamplingFields sampling, List<String> stop, int logprobs, ResponseFormat responseFormat) {

    enum ToolMode { NONE, AUTO, REQUIRED }

    /** {@code tool_choice}: a mode, and for a named function, that name (mode REQUIRED). */
    record ToolChoice(ToolMode mode, String name) {
    }

    enum FormatKind { TEXT, JSON_OBJECT, JSON_SCHEMA }

    record ResponseFormat(FormatKind kind, Object schema) {
    }

    static final Set<String> FIELDS = Set.of("model", "messages", "frequency_penalty", "presence_penalty", "logit_bias",
            "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens", "n", "response_format", "seed", "stop",
            "stream", "stream_options", "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls", "user",
            "metadata", "store", "service_tier", "modalities", "audio", "prediction", "functions", "function_call",
            "reasoning_effort", "prompt_cache_key", "safety_identifier", "verbosity", "web_search_options",
            // llama.cpp server's sampling extensions (SamplingFields.EXTENSIONS)
            "top_k", "min_p", "repeat_penalty", "ignore_eos");

    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    static ChatRequest parse(JsonNode body) {
        Fields f = new Fields(body, FIELDS);
        String model = f.requiredString("model");
        for (String unsupported : List.of("audio", "prediction", "functions", "function_call", "web_search_options")) {
            if (f.has(unsupported)) {
                throw ApiException.invalid(unsupported, "'" + unsupported + "' is not supported by this server");
            }
        }
        JsonNode bias = f.node("logit_bias");
        if (bias != null && (!bias.isObject() || !bias.isEmpty())) {
            throw ApiException.invalid("logit_bias", "'logit_bias' is not supported by this server");
        }
        JsonNode modalities = f.node("modalities");
        if (modalities != null && !(modalities.isArray() && modalities.size() == 1 && "text".equals(modalities.get(0).asText()))) {
            throw ApiException.invalid("modalities", "only the \"text\" modality is supported");
        }
        f.bool("parallel_tool_calls", true);
        f.bool("store", false);
        f.string("user", null);

        List<ChatMessage> messages = messages(f.node("messages"));
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        JsonNode so = f.node("stream_options");
        if (so != null) {
            if (!stream) {
                throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            }
            Fields sf = new Fields(so, Set.of("include_usage", "include_obfuscation"));
            includeUsage = sf.bool("include_usage", false);
        }
        int n = (int) f.integer("n", 1, 1, 16);
        long max = f.has("max_completion_tokens") ? f.integer("max_completion_tokens", -1, 1, Integer.MAX_VALUE)
                : f.integer("max_tokens", -1, 1, Integer.MAX_VALUE);
        boolean logprobs = f.bool("logprobs", false);
        int top = (int) f.integer("top_logprobs", 0, 0, 20);
        if (f.has("top_logprobs") && !logprobs) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true");
        }
        List<Object> toolsJson = new ArrayList<>();
        List<ToolSpec> tools = tools(f.node("tools"), toolsJson);
        ToolChoice choice = toolChoice(f.node("tool_choice"), tools);
        return new ChatRequest(model, messages, tools, toolsJson, choice, stream, includeUsage, n, (int) max,
                SamplingFields.read(f), f.stops("stop", 4), logprobs ? top : -1, responseFormat(f.node("response_format")));
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null) {
            throw new ApiException(400, "invalid_request_error", "you must provide a 'messages' parameter", "messages",
                    "missing_required_parameter");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(message(node.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw ApiException.invalid(where, "'" + where + "' must be an object");
        }
        JsonNode roleNode = m.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw ApiException.invalid(where + ".role", "'" + where + ".role' is required");
        }
        String role = switch (roleNode.textValue()) {
            case "system", "developer" -> "system"; // chat templates know "system"; "developer" is its newer name
            case "user" -> "user";
            case "assistant" -> "assistant";
            case "tool" -> "tool";
            default -> throw ApiException.invalid(where + ".role", "'" + where + ".role' must be one of system, "
                    + "developer, user, assistant, tool; got '" + roleNode.textValue() + "'");
        };
        Map<String, Object> extra = new LinkedHashMap<>();
        JsonNode calls = m.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!role.equals("assistant")) {
                throw ApiException.invalid(where + ".tool_calls", "only assistant messages carry 'tool_calls'");
            }
            extra.put("tool_calls", toolCalls(calls, where + ".tool_calls"));
        }
        String content = content(m.get("content"), where + ".content", role, calls != null && !calls.isNull());
        if (role.equals("tool")) {
            JsonNode id = m.get("tool_call_id");
            if (id == null || !id.isTextual()) {
                throw ApiException.invalid(where + ".tool_call_id", "tool messages need a 'tool_call_id'");
            }
            extra.put("tool_call_id", id.textValue());
        }
        JsonNode name = m.get("name");
        if (name != null && name.isTextual()) {
            extra.put("name", name.textValue());
        }
        return new ChatMessage(role, content, extra);
    }

    /** Content as one string: a string, or the concatenated text parts of an array. */
    private static String content(JsonNode c, String where, String role, boolean hasCalls) {
        if (c == null || c.isNull()) {
            if (role.equals("assistant") && hasCalls) {
                return ""; // templates concatenate content: an empty string is safe where null is not
            }
            throw ApiException.invalid(where, "'" + where + "' is required");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw ApiException.invalid(where, "'" + where + "' must be a string or an array of content parts");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            String type = part.path("type").asText("");
            String key = switch (type) {
                case "text" -> "text";
                case "refusal" -> "refusal";
                default -> throw ApiException.invalid(where + "[" + i + "].type", "content parts of type '" + type
                        + "' are not supported: this server accepts text only");
            };
            JsonNode text = part.get(key);
            if (text == null || !text.isTextual()) {
                throw ApiException.invalid(where + "[" + i + "]." + key, "a '" + type + "' part needs a string '" + key + "'");
            }
            sb.append(text.textValue());
        }
        return sb.toString();
    }

    /**
     * Assistant tool calls as Hugging Face templates expect them: {@code {id, type, function: {name, arguments}}}
     * with the arguments as an object (templates apply {@code tojson} to them), kept as a string only when it is
     * not a JSON object.
     */
    private static List<Object> toolCalls(JsonNode calls, String where) {
        if (!calls.isArray()) {
            throw ApiException.invalid(where, "'" + where + "' must be an array");
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            JsonNode fn = c.get("function");
            if (fn == null || !fn.path("name").isTextual()) {
                throw ApiException.invalid(where + "[" + i + "].function.name", "each tool call needs a function name");
            }
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", fn.get("name").textValue());
            JsonNode args = fn.get("arguments");
            Object parsed = args == null || args.isNull() ? Map.of() : args.isTextual() ? parseArguments(args.textValue())
                    : Call.JSON.convertValue(args, Object.class);
            function.put("arguments", parsed);
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", c.path("id").asText(""));
            call.put("type", "function");
            call.put("function", function);
            out.add(call);
        }
        return out;
    }

    private static Object parseArguments(String json) {
        try {
            JsonNode n = Call.JSON.readTree(json);
            return n != null && n.isObject() ? Call.JSON.convertValue(n, Object.class) : json;
        } catch (Exception e) {
            return json;
        }
    }

    private static List<ToolSpec> tools(JsonNode node, List<Object> json) {
        List<ToolSpec> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiException.invalid("tools", "'tools' must be an array");
        }
        for (int i = 0; i < node.size(); i++) {
            String where = "tools[" + i + "]";
            JsonNode t = node.get(i);
            if (!"function".equals(t.path("type").asText())) {
                throw ApiException.invalid(where + ".type", "only tools of type 'function' are supported");
            }
            JsonNode fn = t.get("function");
            if (fn == null || !fn.isObject()) {
                throw ApiException.invalid(where + ".function", "'" + where + ".function' is required");
            }
            String name = fn.path("name").asText("");
            if (!FUNCTION_NAME.matcher(name).matches()) {
                throw ApiException.invalid(where + ".function.name", "a function name must be 1 to 64 letters, digits, "
                        + "underscores or dashes; got '" + name + "'");
            }
            if (out.stream().anyMatch(s -> s.name().equals(name))) {
                throw ApiException.invalid(where + ".function.name", "two tools are named '" + name + "'");
            }
            JsonNode params = fn.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw ApiException.invalid(where + ".function.parameters", "'parameters' must be a JSON schema object");
            }
            Object schema = params == null || params.isNull() ? Map.of("type", "object", "properties", Map.of())
                    : Call.JSON.convertValue(params, Object.class);
            String description = fn.path("description").isTextual() ? fn.get("description").textValue() : null;
            out.add(new ToolSpec(name, description, schema));
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", name);
            if (description != null) {
                function.put("description", description);
            }
            function.put("parameters", schema);
            json.add(Map.of("type", "function", "function", function));
        }
        return out;
    }

    private static ToolChoice toolChoice(JsonNode node, List<ToolSpec> tools) {
        if (node == null) {
            return new ToolChoice(tools.isEmpty() ? ToolMode.NONE : ToolMode.AUTO, null);
        }
        if (tools.isEmpty() && !(node.isTextual() && node.textValue().equals("none"))) {
            throw ApiException.invalid("tool_choice", "'tool_choice' is only allowed when 'tools' are specified");
        }
        if (node.isTextual()) {
            return switch (node.textValue()) {
                case "none" -> new ToolChoice(ToolMode.NONE, null);
                case "auto" -> new ToolChoice(ToolMode.AUTO, null);
                case "required" -> new ToolChoice(ToolMode.REQUIRED, null);
                default -> throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" "
                        + "or {\"type\": \"function\", \"function\": {\"name\": ...}}");
            };
        }
        String name = node.path("function").path("name").asText(null);
        if (!node.isObject() || !"function".equals(node.path("type").asText()) || name == null) {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" "
                    + "or {\"type\": \"function\", \"function\": {\"name\": ...}}");
        }
        if (tools.stream().noneMatch(t -> t.name().equals(name))) {
            throw ApiException.invalid("tool_choice", "'tool_choice' names the function '" + name
                    + "', which is not among 'tools'");
        }
        return new ToolChoice(ToolMode.REQUIRED, name);
    }

    private static ResponseFormat responseFormat(JsonNode node) {
        if (node == null) {
            return new ResponseFormat(FormatKind.TEXT, null);
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "text" -> new ResponseFormat(FormatKind.TEXT, null);
            case "json_object" -> new ResponseFormat(FormatKind.JSON_OBJECT, null);
            case "json_schema" -> {
                JsonNode js = node.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw ApiException.invalid("response_format.json_schema", "'response_format.json_schema' is required "
                            + "for type json_schema");
                }
                if (!js.path("name").isTextual()) {
                    throw ApiException.invalid("response_format.json_schema.name", "'response_format.json_schema.name' is required");
                }
                JsonNode schema = js.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw ApiException.invalid("response_format.json_schema.schema", "'response_format.json_schema.schema' "
                            + "must be a JSON schema object");
                }
                yield new ResponseFormat(FormatKind.JSON_SCHEMA, Call.JSON.convertValue(schema, Object.class));
            }
            default -> throw ApiException.invalid("response_format.type", "'response_format.type' must be text, "
                    + "json_object or json_schema; got '" + type + "'");
        };
    }
}
