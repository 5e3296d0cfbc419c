package dev.caravel.engine.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.net.URI;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An independent JSON Schema check for tests, written from the specification (not from the grammar), over
 * Jackson's tree. Covers the keywords the constraint supports; oneOf is checked as "at least one", like
 * the generator treats it. Returns the first violation, or null.
 */
public final class SchemaValidator {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private final JsonNode root;

    private SchemaValidator(JsonNode root) {
        this.root = root;
    }

    public static String validate(Object schema, String json) {
        JsonNode value;
        try {
            value = MAPPER.readTree(json);
        } catch (Exception e) {
            return "does not parse: " + e.getMessage();
        }
        if (value == null) {
            return "empty";
        }
        JsonNode s = MAPPER.valueToTree(schema);
        return new SchemaValidator(s).check(s, value, "$");
    }

    private String check(JsonNode s, JsonNode v, String at) {
        if (s.isBoolean()) {
            return s.booleanValue() ? null : at + ": schema false";
        }
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText();
            JsonNode target = ref.equals("#") ? root : root.at(ref.substring(1));
            return check(target, v, at);
        }
        if (s.has("allOf")) {
            for (JsonNode part : s.get("allOf")) {
                String e = check(part, v, at);
                if (e != null) {
                    return e;
                }
            }
        }
        for (String key : List.of("anyOf", "oneOf")) {
            if (s.has(key)) {
                boolean ok = false;
                List<String> errors = new ArrayList<>();
                for (JsonNode alt : s.get(key)) {
                    String e = check(alt, v, at);
                    ok |= e == null;
                    errors.add(e);
                }
                if (!ok) {
                    return at + ": no " + key + " alternative matches " + errors;
                }
            }
        }
        if (s.has("const") && !same(s.get("const"), v)) {
            return at + ": not the const " + s.get("const");
        }
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode e : s.get("enum")) {
                found |= same(e, v);
            }
            if (!found) {
                return at + ": " + v + " not in enum";
            }
        }
        if (s.has("type")) {
            List<String> types = new ArrayList<>();
            if (s.get("type").isArray()) {
                s.get("type").forEach(t -> types.add(t.asText()));
            } else {
                types.add(s.get("type").asText());
            }
            if (s.path("nullable").asBoolean(false)) {
                types.add("null");
            }
            if (types.stream().noneMatch(t -> hasType(v, t))) {
                return at + ": " + v + " is not of type " + types;
            }
        }
        if (v.isObject()) {
            return object(s, v, at);
        }
        if (v.isArray()) {
            return array(s, v, at);
        }
        if (v.isTextual()) {
            return string(s, v.textValue(), at);
        }
        if (v.isNumber()) {
            return number(s, v.decimalValue(), at);
        }
        return null;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static boolean hasType(JsonNode v, String t) {
        return switch (t) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "number" -> v.isNumber();
            case "integer" -> v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> false;
        };
    }

    private String object(JsonNode s, JsonNode v, String at) {
        JsonNode props = s.path("properties");
        for (JsonNode r : s.path("required")) {
            if (!v.has(r.asText())) {
                return at + ": missing required '" + r.asText() + "'";
            }
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode ps = props.get(e.getKey());
            String where = at + "." + e.getKey();
            if (ps != null) {
                String err = check(ps, e.getValue(), where);
                if (err != null) {
                    return err;
                }
            } else if (s.has("additionalProperties")) {
                String err = check(s.get("additionalProperties"), e.getValue(), where);
                if (err != null) {
                    return err;
                }
            }
        }
        return null;
    }

    private String array(JsonNode s, JsonNode v, String at) {
        if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
            return at + ": fewer than minItems";
        }
        if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) {
            return at + ": more than maxItems";
        }
        JsonNode prefix = s.has("prefixItems") ? s.get("prefixItems") : s.path("items").isArray() ? s.get("items") : null;
        JsonNode rest = s.has("prefixItems") ? s.get("items") : s.path("items").isArray() ? s.get("additionalItems") : s.get("items");
        for (int i = 0; i < v.size(); i++) {
            JsonNode is = prefix != null && i < prefix.size() ? prefix.get(i) : rest;
            if (is != null) {
                String err = check(is, v.get(i), at + "[" + i + "]");
                if (err != null) {
                    return err;
                }
            }
        }
        return null;
    }

    private String string(JsonNode s, String text, String at) {
        int len = text.codePointCount(0, text.length());
        if (s.has("minLength") && len < s.get("minLength").asInt()) {
            return at + ": shorter than minLength";
        }
        if (s.has("maxLength") && len > s.get("maxLength").asInt()) {
            return at + ": longer than maxLength";
        }
        if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(text).find()) {
            return at + ": '" + text + "' does not match " + s.get("pattern").asText();
        }
        if (s.has("format") && !format(s.get("format").asText(), text)) {
            return at + ": '" + text + "' is not a " + s.get("format").asText();
        }
        return null;
    }

    private static boolean format(String f, String t) {
        try {
            switch (f) {
                case "date" -> LocalDate.parse(t);
                case "date-time" -> OffsetDateTime.parse(t);
                case "time" -> OffsetTime.parse(t);
                case "uuid" -> {
                    return t.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
                }
                case "email" -> {
                    return t.matches("[^@\\s]+@[^@\\s]+\\.[A-Za-z]+");
                }
                case "ipv4" -> {
                    String[] parts = t.split("\\.", -1);
                    if (parts.length != 4) {
                        return false;
                    }
                    for (String p : parts) {
                        if (!p.matches("0|[1-9]\\d{0,2}") || Integer.parseInt(p) > 255) {
                            return false;
                        }
                    }
                }
                case "hostname" -> {
                    return t.length() <= 253 && t.matches("([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?");
                }
                case "uri" -> {
                    return URI.create(t).isAbsolute();
                }
                default -> throw new IllegalArgumentException(f);
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String number(JsonNode s, BigDecimal x, String at) {
        if (s.has("minimum") && x.compareTo(s.get("minimum").decimalValue()) < 0) {
            return at + ": " + x + " below minimum";
        }
        if (s.has("maximum") && x.compareTo(s.get("maximum").decimalValue()) > 0) {
            return at + ": " + x + " above maximum";
        }
        if (s.path("exclusiveMinimum").isNumber() && x.compareTo(s.get("exclusiveMinimum").decimalValue()) <= 0) {
            return at + ": " + x + " not above exclusiveMinimum";
        }
        if (s.path("exclusiveMaximum").isNumber() && x.compareTo(s.get("exclusiveMaximum").decimalValue()) >= 0) {
            return at + ": " + x + " not below exclusiveMaximum";
        }
        return null;
    }
}
