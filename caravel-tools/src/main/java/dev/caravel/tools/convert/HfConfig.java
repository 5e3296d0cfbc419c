package dev.caravel.tools.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face JSON file ({@code config.json}, {@code tokenizer_config.json}, …) with checked,
 * named look-ups: a missing or mistyped hyper-parameter is a {@link ConvertException} naming the
 * file and the key. Several names may be given where model families spell one parameter
 * differently ({@code hidden_size} / {@code n_embd}); the first present wins.
 */
public final class HfConfig {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final String file;
    private final JsonNode root;

    public HfConfig(String file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads {@code path}; a missing optional file gives an empty config. */
    public static HfConfig read(Path path, boolean required) {
        if (!Files.isRegularFile(path)) {
            if (required) {
                throw new ConvertException(path + ": no such file (a Hugging Face model directory needs it)");
            }
            return new HfConfig(path.toString(), JSON.createObjectNode());
        }
        try {
            JsonNode n = JSON.readTree(path.toFile());
            if (n == null || !n.isObject()) {
                throw new ConvertException(path + ": not a JSON object");
            }
            return new HfConfig(path.toString(), n);
        } catch (IOException e) {
            throw new ConvertException(path + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    public JsonNode root() {
        return root;
    }

    public String file() {
        return file;
    }

    private JsonNode first(String... names) {
        for (String n : names) {
            JsonNode v = root.get(n);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    public boolean has(String... names) {
        return first(names) != null;
    }

    public Optional<Long> integer(String... names) {
        JsonNode v = first(names);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw new ConvertException(file + ": " + names[0] + " should be an integer but is " + v);
        }
        return Optional.of(v.asLong());
    }

    public int requireInt(String... names) {
        long v = integer(names).orElseThrow(() -> new ConvertException(file + ": required key " + String.join(" / ", names) + " is missing"));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ConvertException(file + ": " + names[0] + " = " + v + " is out of range");
        }
        return (int) v;
    }

    public int intOr(int fallback, String... names) {
        return has(names) ? requireInt(names) : fallback;
    }

    public Optional<Double> number(String... names) {
        JsonNode v = first(names);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isNumber()) {
            throw new ConvertException(file + ": " + names[0] + " should be a number but is " + v);
        }
        return Optional.of(v.asDouble());
    }

    public Optional<String> string(String... names) {
        JsonNode v = first(names);
        return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
    }

    public Optional<Boolean> bool(String... names) {
        JsonNode v = first(names);
        return v == null || !v.isBoolean() ? Optional.empty() : Optional.of(v.asBoolean());
    }

    public JsonNode node(String name) {
        return root.path(name);
    }
}
