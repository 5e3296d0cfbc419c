package dev.caravel.server.chats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.server.Call;
import dev.caravel.server.openai.ApiException;
import dev.caravel.server.openai.Fields;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The web UI's conversations as JSON under {@code /api/chats}:
 * <pre>
 * GET    /api/chats                    list (newest first)
 * POST   /api/chats                    create {title?, model?, system_prompt?, messages?}       → 201
 * GET    /api/chats/ID                 the conversation with its messages
 * PATCH  /api/chats/ID                 rename / change model or system prompt {title?, model?, system_prompt?}
 * DELETE /api/chats/ID                 delete
 * POST   /api/chats/ID/messages        append {messages: [...]}
 * PUT    /api/chats/ID/messages        replace all messages {messages: [...]}
 * </pre>
 * Errors use the OpenAI error object like the rest of the server; an unknown id is a 404 {@code chat_not_found}.
 */
public final class ChatsApi {
    static final int MAX_TITLE = 200;
    static final int MAX_SYSTEM_PROMPT = 100_000;
    static final int MAX_CONTENT = 1_000_000;
    static final int MAX_MESSAGES = 10_000;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String PREFIX = "/api/chats/";

    private final ConversationStore store;

    public ChatsApi(ConversationStore store) {
        this.store = store;
    }

    public void list(Call call) throws IOException {
        ObjectNode root = F.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (Conversation c : guarded(store::list)) {
            data.add(json(c));
        }
        call.sendJson(200, root);
    }

    public void create(Call call) throws IOException {
        Fields f = new Fields(call.jsonBody(), Set.of("title", "model", "system_prompt", "messages"));
        String title = title(f, "New chat");
        String model = model(f);
        String system = systemPrompt(f, "");
        List<Message> messages = f.has("messages") ? messages(f.node("messages")) : List.of();
        Conversation c = guarded(() -> store.create(title, model, system, messages));
        call.sendJson(201, withMessages(c));
    }

    /** GET, PATCH and DELETE on {@code /api/chats/ID}; POST and PUT on {@code /api/chats/ID/messages}. */
    public void item(Call call) throws IOException {
        String rest = call.exchange().getRequestURI().getPath().substring(PREFIX.length());
        String method = call.exchange().getRequestMethod();
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String sub = slash < 0 ? "" : rest.substring(slash);
        if (sub.equals("/messages") && (method.equals("POST") || method.equals("PUT"))) {
            JsonNode body = call.jsonBody();
            Fields f = new Fields(body, Set.of("messages"));
            if (!f.has("messages")) {
                throw new ApiException(400, "invalid_request_error", "you must provide a 'messages' parameter",
                        "messages", "missing_required_parameter");
            }
            List<Message> messages = messages(f.node("messages"));
            Conversation c = found(id, guarded(() -> method.equals("POST") ? store.append(id, messages)
                    : store.replace(id, messages)));
            call.sendJson(200, withMessages(c));
            return;
        }
        if (!sub.isEmpty()) {
            throw ApiException.notFound("Unknown request URL: " + method + " " + PREFIX + rest, "unknown_url");
        }
        switch (method) {
            case "GET" -> call.sendJson(200, withMessages(found(id, guarded(() -> store.get(id)))));
            case "PATCH" -> {
                Fields f = new Fields(call.jsonBody(), Set.of("title", "model", "system_prompt"));
                String title = title(f, null);
                String model = model(f);
                String system = systemPrompt(f, null);
                call.sendJson(200, json(found(id, guarded(() -> store.update(id, title, model, system)))));
            }
            case "DELETE" -> {
                if (!guarded(() -> store.delete(id))) {
                    throw notFound(id);
                }
                ObjectNode o = F.objectNode();
                o.put("id", id);
                o.put("object", "chat.deleted");
                o.put("deleted", true);
                call.sendJson(200, o);
            }
            default -> throw new ApiException(405, "invalid_request_error", "Method " + method + " is not allowed for "
                    + PREFIX + rest + "; use GET, PATCH or DELETE", null, "method_not_allowed");
        }
    }

    // ---- validation ----

    private static String title(Fields f, String dflt) {
        String t = f.string("title", null);
        if (t == null) {
            return dflt;
        }
        t = t.strip().replaceAll("\\s+", " ");
        if (t.isEmpty()) {
            throw ApiException.invalid("title", "'title' must not be empty");
        }
        if (t.codePointCount(0, t.length()) > MAX_TITLE) {
            throw ApiException.invalid("title", "'title' is longer than " + MAX_TITLE + " characters");
        }
        return t;
    }

    private static String model(Fields f) {
        String m = f.string("model", null);
        if (m != null && m.length() > 256) {
            throw ApiException.invalid("model", "'model' is longer than 256 characters");
        }
        return m;
    }

    private static String systemPrompt(Fields f, String dflt) {
        String s = f.string("system_prompt", dflt);
        if (s != null && s.length() > MAX_SYSTEM_PROMPT) {
            throw ApiException.invalid("system_prompt", "'system_prompt' is longer than " + MAX_SYSTEM_PROMPT + " characters");
        }
        return s;
    }

    private static List<Message> messages(JsonNode node) {
        if (!node.isArray()) {
            throw ApiException.invalid("messages", "'messages' must be an array of {role, content} objects");
        }
        if (node.size() > MAX_MESSAGES) {
            throw ApiException.invalid("messages", "at most " + MAX_MESSAGES + " messages at once");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "messages[" + i + "]";
            JsonNode m = node.get(i);
            if (!m.isObject()) {
                throw ApiException.invalid(where, "'" + where + "' must be an object");
            }
            Fields f = new Fields(m, Set.of("role", "content", "model", "tokens_per_second", "created_at"));
            String role = f.string("role", null);
            if (role == null || !Set.of("system", "user", "assistant").contains(role)) {
                throw ApiException.invalid(where + ".role", "'" + where + ".role' must be 'system', 'user' or 'assistant'");
            }
            if (!f.has("content") || !f.node("content").isTextual()) {
                throw ApiException.invalid(where + ".content", "'" + where + ".content' must be a string");
            }
            String content = f.node("content").textValue();
            if (content.length() > MAX_CONTENT) {
                throw ApiException.invalid(where + ".content", "'" + where + ".content' is longer than " + MAX_CONTENT
                        + " characters");
            }
            String model = f.string("model", null);
            Double tps = f.has("tokens_per_second") ? f.number("tokens_per_second", 0, 0, 1e9) : null;
            long created = f.integer("created_at", 0, 0, Long.MAX_VALUE / 2);
            out.add(new Message(role, content, model, tps, created));
        }
        return out;
    }

    // ---- JSON shapes ----

    private static ObjectNode json(Conversation c) {
        ObjectNode o = F.objectNode();
        o.put("id", c.id());
        o.put("object", "chat");
        o.put("title", c.title());
        o.put("model", c.model());
        o.put("system_prompt", c.systemPrompt());
        o.put("created_at", c.created());
        o.put("updated_at", c.updated());
        o.put("message_count", c.messageCount());
        return o;
    }

    private ObjectNode withMessages(Conversation c) {
        ObjectNode o = json(c);
        ArrayNode arr = o.putArray("messages");
        for (Message m : guarded(() -> store.messages(c.id()))) {
            ObjectNode j = arr.addObject();
            j.put("role", m.role());
            j.put("content", m.content());
            j.put("model", m.model());
            if (m.tokensPerSecond() == null) {
                j.putNull("tokens_per_second");
            } else {
                j.put("tokens_per_second", m.tokensPerSecond());
            }
            j.put("created_at", m.created());
        }
        return o;
    }

    private static Conversation found(String id, java.util.Optional<Conversation> c) {
        return c.orElseThrow(() -> notFound(id));
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("No chat with id '" + id + "'", "chat_not_found");
    }

    /** A database failure becomes a clear 500 (the details go to the log via the cause's message only). */
    private static <T> T guarded(Supplier<T> work) {
        try {
            return work.get();
        } catch (StoreException e) {
            throw new ApiException(500, "server_error", "The conversation database failed: " + e.getMessage(), null,
                    "storage_error");
        }
    }
}
