package dev.caravel.server.chats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.server.CaravelServer;
import dev.caravel.server.models.ModelRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/chats} and the page's static files over loopback HTTP, against a real server and store. */
class ChatsApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static Path dir;
    static ConversationStore store;
    static CaravelServer server;
    static CaravelServer keyed;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("caravel-chats");
        store = ConversationStore.open(dir);
        server = CaravelServer.start(new ModelRegistry(), new CaravelServer.Options("127.0.0.1", 0, null, 1 << 20), store);
        keyed = CaravelServer.start(new ModelRegistry(), new CaravelServer.Options("127.0.0.1", 0, "sekrit", 1 << 20), store);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        keyed.close();
        store.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Reply(int status, JsonNode json, HttpResponse<String> raw) {
        String code() {
            return json.path("error").path("code").asText(null);
        }
    }

    static Reply send(CaravelServer s, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() || !r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? null : JSON.readTree(r.body());
        return new Reply(r.statusCode(), json, r);
    }

    static Reply send(String method, String path, String body) throws Exception {
        return send(server, method, path, body);
    }

    @Test
    void lifecycle() throws Exception {
        Reply created = send("POST", "/api/chats", """
                {"title": "  讲个故事  ", "model": "stories260K", "system_prompt": "你是助手",
                 "messages": [{"role": "user", "content": "从前有座山", "created_at": 1700000000000}]}""");
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("object").asText()).isEqualTo("chat");
        assertThat(created.json().get("title").asText()).isEqualTo("讲个故事");
        assertThat(created.json().get("system_prompt").asText()).isEqualTo("你是助手");
        assertThat(created.json().get("messages").get(0).get("content").asText()).isEqualTo("从前有座山");
        assertThat(created.json().get("messages").get(0).get("created_at").asLong()).isEqualTo(1700000000000L);

        Reply appended = send("POST", "/api/chats/" + id + "/messages", """
                {"messages": [{"role": "assistant", "content": "**Once** upon a time", "model": "stories260K",
                  "tokens_per_second": 812.25}]}""");
        assertThat(appended.status()).isEqualTo(200);
        assertThat(appended.json().get("message_count").asInt()).isEqualTo(2);

        Reply got = send("GET", "/api/chats/" + id, null);
        assertThat(got.status()).isEqualTo(200);
        JsonNode answer = got.json().get("messages").get(1);
        assertThat(answer.get("role").asText()).isEqualTo("assistant");
        assertThat(answer.get("tokens_per_second").asDouble()).isEqualTo(812.25);
        assertThat(answer.get("model").asText()).isEqualTo("stories260K");

        Reply renamed = send("PATCH", "/api/chats/" + id, "{\"title\": \"Mountain story\"}");
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("title").asText()).isEqualTo("Mountain story");
        assertThat(renamed.json().get("system_prompt").asText()).isEqualTo("你是助手");

        Reply replaced = send("PUT", "/api/chats/" + id + "/messages", "{\"messages\": [{\"role\": \"user\", \"content\": \"again\"}]}");
        assertThat(replaced.json().get("messages")).hasSize(1);

        Reply list = send("GET", "/api/chats", null);
        assertThat(list.json().get("object").asText()).isEqualTo("list");
        assertThat(list.json().get("data").get(0).get("id").asText()).isEqualTo(id);
        assertThat(list.json().get("data").get(0).has("messages")).isFalse();

        Reply deleted = send("DELETE", "/api/chats/" + id, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(send("GET", "/api/chats/" + id, null).status()).isEqualTo(404);
        assertThat(send("DELETE", "/api/chats/" + id, null).code()).isEqualTo("chat_not_found");
    }

    @Test
    void unknownChatsAre404() throws Exception {
        for (String[] call : new String[][]{{"GET", "/api/chats/nope", null}, {"PATCH", "/api/chats/nope", "{\"title\": \"x\"}"},
                {"DELETE", "/api/chats/nope", null}, {"POST", "/api/chats/nope/messages", "{\"messages\": []}"},
                {"PUT", "/api/chats/nope/messages", "{\"messages\": []}"}}) {
            Reply r = send(call[0], call[1], call[2]);
            assertThat(r.status()).as(call[0] + " " + call[1]).isEqualTo(404);
            assertThat(r.code()).isEqualTo("chat_not_found");
            assertThat(r.json().get("error").get("message").asText()).contains("nope");
        }
        assertThat(send("GET", "/api/chats/x/other", null).code()).isEqualTo("unknown_url");
    }

    @Test
    void badInputIsAClearErrorObject() throws Exception {
        String id = send("POST", "/api/chats", "{}").json().get("id").asText();
        Object[][] cases = {
                {"POST", "/api/chats", "{\"title\": \"\"}", "title"},
                {"POST", "/api/chats", "{\"title\": 5}", "title"},
                {"POST", "/api/chats", "{\"title\": \"" + "x".repeat(201) + "\"}", "title"},
                {"POST", "/api/chats", "{\"colour\": \"red\"}", "colour"},
                {"POST", "/api/chats", "{\"messages\": {}}", "messages"},
                {"POST", "/api/chats", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "messages[0].role"},
                {"POST", "/api/chats", "{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content"},
                {"POST", "/api/chats", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"tokens_per_second\": -1}]}",
                        "tokens_per_second"},
                {"POST", "/api/chats/" + id + "/messages", "{}", "messages"},
                {"PATCH", "/api/chats/" + id, "{\"system_prompt\": [1]}", "system_prompt"},
                {"POST", "/api/chats", "{not json", null},
                {"POST", "/api/chats", "[1, 2]", null},
        };
        for (Object[] c : cases) {
            Reply r = send((String) c[0], (String) c[1], (String) c[2]);
            assertThat(r.status()).as((String) c[2]).isEqualTo(400);
            JsonNode err = r.json().get("error");
            assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(err.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("at dev.");
            if (c[3] != null) {
                assertThat(err.get("param").asText()).isEqualTo(c[3]);
            }
        }
        assertThat(send("PUT", "/api/chats", "{}").status()).isEqualTo(405);
        assertThat(send("POST", "/api/chats/" + id, "{}").status()).isEqualTo(405);
        // Nothing half-created by the failed requests.
        assertThat(store.messages(id)).isEmpty();
    }

    @Test
    void apiKeyGuardsTheChatsButNotThePage() throws Exception {
        assertThat(send(keyed, "GET", "/api/chats", null).status()).isEqualTo(401);
        assertThat(send(keyed, "GET", "/api/chats", null, "Authorization", "Bearer wrong").code()).isEqualTo("invalid_api_key");
        assertThat(send(keyed, "GET", "/api/chats", null, "Authorization", "Bearer sekrit").status()).isEqualTo(200);
        assertThat(send(keyed, "GET", "/", null).status()).isEqualTo(200);
        assertThat(send(keyed, "GET", "/ui/app.js", null).status()).isEqualTo(200);
    }

    @Test
    void staticFilesHaveTypesEtagsAndNoTraversal() throws Exception {
        Reply page = send("GET", "/", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw().headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.raw().body()).contains("<script type=\"module\" src=\"/ui/app.js\">").doesNotContain("http://", "https://");
        for (String[] f : new String[][]{{"app.js", "text/javascript"}, {"markdown.js", "text/javascript"},
                {"style.css", "text/css"}, {"icon.svg", "image/svg+xml"}}) {
            Reply r = send("GET", "/ui/" + f[0], null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.raw().headers().firstValue("Content-Type").orElse("")).startsWith(f[1]);
            String etag = r.raw().headers().firstValue("ETag").orElseThrow();
            assertThat(r.raw().headers().firstValue("Cache-Control")).hasValue("no-cache");
            Reply again = send(server, "GET", "/ui/" + f[0], null, "If-None-Match", etag);
            assertThat(again.status()).isEqualTo(304);
            assertThat(again.raw().body()).isEmpty();
            // Offline: no asset refers to another site (the XML namespace in the SVG is a name, not a fetch).
            assertThat(r.raw().body().replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://");
        }
        for (String bad : new String[]{"/ui/../pom.xml", "/ui/..%2F..%2Fpom.xml", "/ui/%2e%2e/web/app.js", "/ui/nope.js",
                "/ui/web/app.js", "/ui/app", "/ui/ConversationStore.class", "/ui/.hidden.js", "/ui/app.js%00.css"}) {
            Reply r = send("GET", bad, null);
            assertThat(r.status()).as(bad).isEqualTo(404);
        }
    }
}
