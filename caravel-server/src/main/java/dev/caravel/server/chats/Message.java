package dev.caravel.server.chats;

/**
 * One saved chat message. {@code model} and {@code tokensPerSecond} describe how an answer was generated (null for
 * the user's messages); {@code created} is milliseconds since the epoch (0: the time it is saved).
 */
public record Message(String role, String content, String model, Double tokensPerSecond, long created) {
}
