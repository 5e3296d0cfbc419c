package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.engine.batch.TokenLogprobs;
import dev.caravel.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/** Log-probabilities in OpenAI's shapes: chat's {@code logprobs.content} entries and the legacy lists. */
final class LogprobsJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private LogprobsJson() {
    }

    /** A token's text as OpenAI reports it: its own bytes decoded (a partial UTF-8 character becomes U+FFFD). */
    static String text(Tokenizer t, int token) {
        return new String(t.tokenPiece(token, false), StandardCharsets.UTF_8);
    }

    /** One {@code logprobs.content} entry: token, logprob, bytes and the alternatives. */
    static ObjectNode chatEntry(Tokenizer t, TokenLogprobs lp) {
        ObjectNode e = entry(t, lp.token(), lp.logprob());
        ArrayNode top = e.putArray("top_logprobs");
        for (int i = 0; i < lp.topTokens().length; i++) {
            top.add(entry(t, lp.topTokens()[i], lp.topLogprobs()[i]));
        }
        return e;
    }

    private static ObjectNode entry(Tokenizer t, int token, float logprob) {
        ObjectNode e = F.objectNode();
        byte[] bytes = t.tokenPiece(token, false);
        e.put("token", new String(bytes, StandardCharsets.UTF_8));
        e.put("logprob", logprob);
        ArrayNode b = e.putArray("bytes");
        for (byte x : bytes) {
            b.add(x & 0xFF);
        }
        return e;
    }

    /** The legacy completions' {@code top_logprobs} entry: a map from token text to log-probability. */
    static ObjectNode legacyTop(Tokenizer t, TokenLogprobs lp) {
        ObjectNode m = F.objectNode();
        for (int i = 0; i < lp.topTokens().length; i++) {
            String key = text(t, lp.topTokens()[i]);
            if (!m.has(key)) { // two tokens with the same text: keep the more likely
                m.put(key, lp.topLogprobs()[i]);
            }
        }
        return m;
    }
}
