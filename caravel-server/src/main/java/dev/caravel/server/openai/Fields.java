package dev.caravel.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Typed access to a request's JSON fields. Every problem is an {@link ApiException} (400) that names the
 * field, so a client learns exactly what to fix; JSON {@code null} counts as absent, as in OpenAI's API.
 */
public final class Fields {
    private final ObjectNode body;

    public Fields(JsonNode body, Set<String> known) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        this.body = (ObjectNode) body;
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw new ApiException(400, "invalid_request_error", "Unrecognized request argument supplied: " + name,
                        name, "unknown_parameter");
            }
        }
    }

    public boolean has(String name) {
        JsonNode v = body.get(name);
        return v != null && !v.isNull();
    }

    public JsonNode node(String name) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? null : v;
    }

    public String string(String name, String dflt) {
        JsonNode v = node(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ApiException.invalid(name, "'" + name + "' must be a string");
        }
        return v.textValue();
    }

    public String requiredString(String name) {
        String s = string(name, null);
        if (s == null) {
            throw new ApiException(400, "invalid_request_error", "you must provide a '" + name + "' parameter", name,
                    "missing_required_parameter");
        }
        return s;
    }

    public boolean bool(String name, boolean dflt) {
        JsonNode v = node(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(name, "'" + name + "' must be a boolean");
        }
        return v.booleanValue();
    }

    public double number(String name, double dflt, double min, double max) {
        JsonNode v = node(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid(name, "'" + name + "' must be a number");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiException.invalid(name, "'" + name + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + v);
        }
        return d;
    }

    /** An integer in {@code [min, max]}, or {@code dflt} when absent. */
    public long integer(String name, long dflt, long min, long max) {
        JsonNode v = node(name);
        if (v == null) {
            return dflt;
        }
        return integer(name, v, min, max);
    }

    static long integer(String name, JsonNode v, long min, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(name, "'" + name + "' must be an integer");
        }
        long n = v.longValue();
        if (n < min || n > max) {
            throw ApiException.invalid(name, "'" + name + "' must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** {@code stop}: a string or an array of at most {@code max} non-empty strings. */
    public List<String> stops(String name, int max) {
        JsonNode v = node(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            if (v.size() > max) {
                throw ApiException.invalid(name, "'" + name + "' may hold at most " + max + " strings, got " + v.size());
            }
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw ApiException.invalid(name, "'" + name + "' must be a string or an array of strings");
                }
                out.add(s.textValue());
            }
        } else {
            throw ApiException.invalid(name, "'" + name + "' must be a string or an array of strings");
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiException.invalid(name, "'" + name + "' must not contain empty strings");
            }
        }
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
