package dev.caravel.server.chats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConversationStoreTest {
    @TempDir
    Path dir;

    static Message user(String text) {
        return new Message("user", text, null, null, 0);
    }

    @Test
    void createReadUpdateDelete() {
        try (ConversationStore s = ConversationStore.open(dir)) {
            Conversation c = s.create("First", "stories260K", "Be brief.", List.of(user("hello")));
            assertThat(c.id()).isNotBlank();
            assertThat(c.title()).isEqualTo("First");
            assertThat(c.model()).isEqualTo("stories260K");
            assertThat(c.systemPrompt()).isEqualTo("Be brief.");
            assertThat(c.messageCount()).isEqualTo(1);
            assertThat(c.created()).isEqualTo(c.updated()).isPositive();

            Conversation renamed = s.update(c.id(), "Renamed", null, null).orElseThrow();
            assertThat(renamed.title()).isEqualTo("Renamed");
            assertThat(renamed.model()).isEqualTo("stories260K");
            assertThat(renamed.systemPrompt()).isEqualTo("Be brief.");
            assertThat(renamed.updated()).isGreaterThan(c.updated());

            s.append(c.id(), List.of(new Message("assistant", "hi there", "stories260K", 123.5, 0)));
            List<Message> ms = s.messages(c.id());
            assertThat(ms).extracting(Message::role).containsExactly("user", "assistant");
            assertThat(ms.get(1).tokensPerSecond()).isEqualTo(123.5);
            assertThat(ms.get(1).model()).isEqualTo("stories260K");
            assertThat(ms.get(0).tokensPerSecond()).isNull();

            s.replace(c.id(), List.of(user("only")));
            assertThat(s.messages(c.id())).extracting(Message::content).containsExactly("only");

            assertThat(s.delete(c.id())).isTrue();
            assertThat(s.delete(c.id())).isFalse();
            assertThat(s.get(c.id())).isEmpty();
            assertThat(s.messages(c.id())).isEmpty();
            assertThat(s.update("nope", "x", null, null)).isEmpty();
            assertThat(s.append("nope", List.of(user("x")))).isEmpty();
            assertThat(s.replace("nope", List.of())).isEmpty();
        }
    }

    @Test
    void listIsMostRecentlyUpdatedFirstAndSurvivesReopening() {
        String a;
        String b;
        String c;
        try (ConversationStore s = ConversationStore.open(dir)) {
            a = s.create("a", null, "", List.of()).id();
            b = s.create("b", null, "", List.of()).id();
            c = s.create("c", null, "", List.of()).id();
            assertThat(s.list()).extracting(Conversation::id).containsExactly(c, b, a);
            s.append(a, List.of(user("bump")));
            assertThat(s.list()).extracting(Conversation::id).containsExactly(a, c, b);
        }
        try (ConversationStore s = ConversationStore.open(dir)) {
            assertThat(s.list()).extracting(Conversation::id).containsExactly(a, c, b);
            assertThat(s.messages(a)).extracting(Message::content).containsExactly("bump");
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void unicodeAndChineseTextRoundTrip() {
        String text = "你好，世界！讲一个关于小猫的故事。\n```java\nSystem.out.println(\"héllo 🌍\");\n```\n and \uD83D\uDE00 𝔘𝔫𝔦";
        try (ConversationStore s = ConversationStore.open(dir)) {
            Conversation c = s.create("中文标题 🚀", null, "你是一个有帮助的助手。", List.of(user(text)));
            assertThat(s.get(c.id()).orElseThrow().title()).isEqualTo("中文标题 🚀");
            assertThat(s.get(c.id()).orElseThrow().systemPrompt()).isEqualTo("你是一个有帮助的助手。");
            assertThat(s.messages(c.id()).get(0).content()).isEqualTo(text);
        }
    }

    @Test
    void badRoleIsRefusedAndTheTransactionRolledBack() {
        try (ConversationStore s = ConversationStore.open(dir)) {
            Conversation c = s.create("t", null, "", List.of(user("one")));
            assertThatThrownBy(() -> s.append(c.id(), List.of(user("two"), new Message("robot", "x", null, null, 0))))
                    .isInstanceOf(StoreException.class);
            // All or nothing: "two" was not kept either.
            assertThat(s.messages(c.id())).extracting(Message::content).containsExactly("one");
        }
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 40;
        try (ConversationStore s = ConversationStore.open(dir); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            String shared = s.create("shared", null, "", List.of()).id();
            List<Future<String>> own = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                own.add(pool.submit(() -> {
                    String mine = s.create("thread " + id, null, "", List.of()).id();
                    for (int i = 0; i < perThread; i++) {
                        s.append(shared, List.of(user(id + ":" + i)));
                        s.append(mine, List.of(user("m" + i), new Message("assistant", "a" + i, null, 1.0, 0)));
                        if (i % 10 == 0) {
                            s.update(mine, "thread " + id + " at " + i, null, null);
                            assertThat(s.list()).isNotEmpty();
                        }
                    }
                    return mine;
                }));
            }
            for (Future<String> f : own) {
                List<Message> ms = s.messages(f.get());
                assertThat(ms).hasSize(2 * perThread);
                for (int i = 0; i < perThread; i++) {
                    assertThat(ms.get(2 * i).content()).isEqualTo("m" + i);
                    assertThat(ms.get(2 * i + 1).content()).isEqualTo("a" + i);
                }
            }
            List<String> sharedTexts = s.messages(shared).stream().map(Message::content).toList();
            assertThat(sharedTexts).hasSize(threads * perThread).doesNotHaveDuplicates();
            // Each writer's messages are in its own order.
            for (int t = 0; t < threads; t++) {
                String p = t + ":";
                List<String> mine = sharedTexts.stream().filter(x -> x.startsWith(p)).toList();
                assertThat(mine).containsExactlyElementsOf(java.util.stream.IntStream.range(0, perThread)
                        .mapToObj(i -> p + i).toList());
            }
            assertThat(s.list()).hasSize(threads + 1);
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void unusableDirectoryIsAClearError() throws Exception {
        Path file = dir.resolve("not-a-dir");
        java.nio.file.Files.writeString(file, "x");
        assertThatThrownBy(() -> ConversationStore.open(file)).isInstanceOf(StoreException.class)
                .hasMessageContaining("not-a-dir");
    }
}
