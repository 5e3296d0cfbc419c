package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.server.Call;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import dev.caravel.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/embeddings} for an encoder (bert-type) model: unit-length pooled vectors, as floats or as
 * base64 of little-endian float32 (what OpenAI's SDKs ask for by default).
 */
public final class EmbeddingEndpoint {
    static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");
    private static final int MAX_INPUTS = 2048;

    private final ModelRegistry models;

    public EmbeddingEndpoint(ModelRegistry models) {
        this.models = models;
    }

    public void handle(Call call) throws IOException {
        Fields f = new Fields(call.jsonBody(), FIELDS);
        ServedModel m = models.get(f.requiredString("model"));
        if (!m.embeds()) {
            throw ApiException.invalid("model", "'" + m.name() + "' generates text and has no embeddings endpoint; "
                    + "serve an embedding (bert-type) model");
        }
        String format = f.string("encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.invalid("encoding_format", "'encoding_format' must be float or base64, got '" + format + "'");
        }
        int dim = m.encoder().config().dim();
        f.integer("dimensions", dim, dim, dim); // no truncation: only the model's own size is accepted
        f.string("user", null);
        List<int[]> inputs = inputs(f.node("input"), m);
        ObjectNode body = Wire.F.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] ids = inputs.get(i);
            tokens += ids.length;
            float[] v = embed(m, ids);
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            if (format.equals("base64")) {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                e.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode a = e.putArray("embedding");
                for (float x : v) {
                    a.add(x);
                }
            }
        }
        body.put("model", m.name());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        call.sendJson(200, body);
    }

    private static float[] embed(ServedModel m, int[] ids) {
        try {
            m.encoderPermits().acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", "interrupted", null, null);
        }
        try {
            return m.encoder().embed(ids, true);
        } finally {
            m.encoderPermits().release();
        }
    }

    /** {@code input}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static List<int[]> inputs(JsonNode in, ServedModel m) {
        if (in == null) {
            throw new ApiException(400, "invalid_request_error", "you must provide an 'input' parameter", "input",
                    "missing_required_parameter");
        }
        Tokenizer tok = m.tokenizer();
        List<int[]> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(encode(in.textValue(), "input", m));
        } else if (in.isArray() && !in.isEmpty() && in.get(0).isIntegralNumber()) {
            out.add(ids(in, "input", m));
        } else if (in.isArray() && !in.isEmpty()) {
            if (in.size() > MAX_INPUTS) {
                throw ApiException.invalid("input", "at most " + MAX_INPUTS + " inputs per request, got " + in.size());
            }
            for (int i = 0; i < in.size(); i++) {
                JsonNode e = in.get(i);
                if (e.isTextual()) {
                    out.add(encode(e.textValue(), "input[" + i + "]", m));
                } else if (e.isArray()) {
                    out.add(ids(e, "input[" + i + "]", m));
                } else {
                    throw ApiException.invalid("input", "'input' must be a string, an array of strings, an array of "
                            + "token ids or an array of token-id arrays");
                }
            }
        } else {
            throw ApiException.invalid("input", "'input' must be a non-empty string or array");
        }
        return out;
    }

    private static int[] encode(String text, String where, ServedModel m) {
        if (text.isEmpty()) {
            throw ApiException.invalid(where, "'" + where + "' is an empty string");
        }
        return fits(m.tokenizer().encode(text, true, false), where, m);
    }

    private static int[] ids(JsonNode a, String where, ServedModel m) {
        if (a.isEmpty()) {
            throw ApiException.invalid(where, "'" + where + "' is an empty token list");
        }
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) Fields.integer(where, a.get(i), 0, m.tokenizer().vocabSize() - 1);
        }
        return fits(ids, where, m);
    }

    private static int[] fits(int[] ids, String where, ServedModel m) {
        if (ids.length > m.context()) {
            throw new ApiException(400, "invalid_request_error", "'" + where + "' is " + ids.length
                    + " tokens but the model takes at most " + m.context(), where, "context_length_exceeded");
        }
        return ids;
    }
}
