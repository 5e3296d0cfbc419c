package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.server.Call;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;

import java.io.IOException;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}. */
public final class ModelsEndpoint {
    private final ModelRegistry models;

    public ModelsEndpoint(ModelRegistry models) {
        this.models = models;
    }

    public void list(Call call) throws IOException {
        ObjectNode body = Wire.F.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (ServedModel m : models.all()) {
            data.add(model(m));
        }
        call.sendJson(200, body);
    }

    public void get(Call call) throws IOException {
        String path = call.exchange().getRequestURI().getPath();
        String id = path.substring("/v1/models/".length());
        call.sendJson(200, model(models.get(id)));
    }

    private static ObjectNode model(ServedModel m) {
        ObjectNode o = Wire.F.objectNode();
        o.put("id", m.name());
        o.put("object", "model");
        o.put("created", m.created());
        o.put("owned_by", "caravel");
        return o;
    }
}
