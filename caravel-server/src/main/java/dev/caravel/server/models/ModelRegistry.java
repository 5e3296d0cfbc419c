package dev.caravel.server.models;

import dev.caravel.server.openai.ApiException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models a server offers, by name, in the order they were given. Thread-safe once built. */
public final class ModelRegistry implements AutoCloseable {
    private final Map<String, ServedModel> models = new LinkedHashMap<>();

    /** Adds a model; a second model under the same name is a configuration error. */
    public void add(ServedModel m) {
        if (models.putIfAbsent(m.name(), m) != null) {
            throw new IllegalArgumentException("two models are named '" + m.name() + "' (give one an --alias)");
        }
    }

    public Collection<ServedModel> all() {
        return Collections.unmodifiableCollection(models.values());
    }

    public List<String> names() {
        return new ArrayList<>(models.keySet());
    }

    /** The model named {@code name}, or a 404 that lists the ones there are. */
    public ServedModel get(String name) {
        ServedModel m = models.get(name);
        if (m == null) {
            throw ApiException.notFound("The model '" + name + "' does not exist; this server has: "
                    + String.join(", ", models.keySet()), "model_not_found");
        }
        return m;
    }

    /** The model for a request that may leave the name out when only one model could be meant. */
    public ServedModel getOrOnly(String name, boolean text) {
        if (name != null) {
            return get(name);
        }
        List<ServedModel> fit = all().stream().filter(m -> text ? m.generatesText() : true).toList();
        if (fit.size() == 1) {
            return fit.get(0);
        }
        throw ApiException.invalid("model", "'model' is required when the server has several models ("
                + String.join(", ", models.keySet()) + ")");
    }

    @Override
    public void close() {
        for (ServedModel m : models.values()) {
            m.close();
        }
    }
}
