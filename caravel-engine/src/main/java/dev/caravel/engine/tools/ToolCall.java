package dev.caravel.engine.tools;

import java.security.SecureRandom;

/**
 * A call the model made: {@code argumentsJson} is the arguments object as JSON text (OpenAI sends it as a
 * string).
 */
public record ToolCall(String id, String name, String argumentsJson) {
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A fresh id: "call_" and 24 random alphanumerics. */
    public static String newId() {
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return sb.toString();
    }
}
