package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.FinishReason;
import dev.caravel.server.models.ServedModel;

import java.security.SecureRandom;

/** Pieces every OpenAI response shares: ids, the envelope fields, usage, finish reasons. */
final class Wire {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Wire() {
    }

    /** {@code prefix} and 24 random letters and digits, like OpenAI's ids ({@code chatcmpl-…}, {@code call_…}). */
    static String id(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** Identifies the backend configuration that produced a response: here, the served model. */
    static String fingerprint(ServedModel m) {
        return "fp_caravel_" + String.format("%08x", m.name().hashCode() ^ (int) m.created());
    }

    /** The envelope: {@code id, object, created, model, system_fingerprint}. */
    static ObjectNode envelope(String id, String object, long created, ServedModel m) {
        ObjectNode o = F.objectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", m.name());
        o.put("system_fingerprint", fingerprint(m));
        return o;
    }

    static ObjectNode usage(int prompt, int completion, int cached) {
        ObjectNode u = F.objectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return u;
    }

    static String finishReason(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
