package dev.caravel.server.chats;

/** A saved conversation's header; times are milliseconds since the epoch. */
public record Conversation(String id, String title, String model, String systemPrompt, long created, long updated,
                           int messageCount) {
}
