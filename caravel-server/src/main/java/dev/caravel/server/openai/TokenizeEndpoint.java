package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.server.Call;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import dev.caravel.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.Set;

/**
 * {@code POST /tokenize} and {@code POST /detokenize}, shaped like llama.cpp's server (not part of OpenAI's
 * API): {@code model} may be left out when the server has one model.
 */
public final class TokenizeEndpoint {
    private final ModelRegistry models;

    public TokenizeEndpoint(ModelRegistry models) {
        this.models = models;
    }

    public void tokenize(Call call) throws IOException {
        Fields f = new Fields(call.jsonBody(), Set.of("model", "content", "prompt", "add_special", "parse_special", "with_pieces"));
        ServedModel m = models.getOrOnly(f.string("model", null), false);
        if (f.has("content") && f.has("prompt")) {
            throw ApiException.invalid("content", "give either 'content' or 'prompt', not both");
        }
        String text = f.has("prompt") ? f.string("prompt", "") : f.string("content", null);
        if (text == null) {
            throw new ApiException(400, "invalid_request_error", "you must provide a 'content' parameter", "content",
                    "missing_required_parameter");
        }
        boolean addSpecial = f.bool("add_special", false);
        boolean parseSpecial = f.bool("parse_special", true);
        boolean pieces = f.bool("with_pieces", false);
        Tokenizer tok = m.tokenizer();
        int[] ids = tok.encode(text, addSpecial, parseSpecial);
        ObjectNode body = Wire.F.objectNode();
        ArrayNode tokens = body.putArray("tokens");
        for (int id : ids) {
            if (pieces) {
                tokens.addObject().put("id", id).put("piece", LogprobsJson.text(tok, id));
            } else {
                tokens.add(id);
            }
        }
        call.sendJson(200, body);
    }

    public void detokenize(Call call) throws IOException {
        Fields f = new Fields(call.jsonBody(), Set.of("model", "tokens"));
        ServedModel m = models.getOrOnly(f.string("model", null), false);
        JsonNode a = f.node("tokens");
        if (a == null || !a.isArray()) {
            throw ApiException.invalid("tokens", "'tokens' must be an array of token ids");
        }
        Tokenizer tok = m.tokenizer();
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) Fields.integer("tokens", a.get(i), 0, tok.vocabSize() - 1);
        }
        ObjectNode body = Wire.F.objectNode();
        body.put("content", tok.decode(ids, false, false));
        call.sendJson(200, body);
    }
}
