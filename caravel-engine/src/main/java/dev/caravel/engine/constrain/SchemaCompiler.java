package dev.caravel.engine.constrain;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a JSON Schema (a parsed tree of maps, lists, strings, numbers, booleans) into grammar nodes.
 * Everything the generated text may be is a subset of what the schema allows: where JSON Schema is
 * looser than what can be generated soundly (extra properties when additionalProperties is absent,
 * properties out of declared order, exponents), the stricter choice is made. Keywords that would change
 * what is valid and are not implemented are rejected with the keyword's name and where it is.
 */
final class SchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("description", "title", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "contentMediaType",
            "contentEncoding", "discriminator", "x-order");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "items", "prefixItems", "additionalItems", "minItems", "maxItems", "enum", "const", "minLength", "maxLength",
            "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "allOf",
            "$ref", "nullable");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean", "null");

    private final Object root;
    private final Map<String, RefNode> refs = new HashMap<>();
    private RefNode any;

    private SchemaCompiler(Object root) {
        this.root = root;
    }

    static Node compile(Object schema) {
        SchemaCompiler c = new SchemaCompiler(schema);
        Node node = c.node(schema, "#");
        for (RefNode r : c.refs.values()) {
            if (r.target == null) {
                throw new IllegalStateException("unresolved " + r.ref);
            }
        }
        return node;
    }

    /** Any JSON value (schema {} or true). */
    static Node anyValue() {
        return new SchemaCompiler(Map.of()).anyNode();
    }

    private Node anyNode() {
        if (any == null) {
            any = new RefNode("any value");
            List<Node> alts = List.of(
                    new ObjectNode(List.of(), List.of(), List.of(), any),
                    new ArrayNode(List.of(), any, 0, Integer.MAX_VALUE),
                    new StringNode(0, Node.INF, null),
                    new NumberNode(false, null, false, null, false),
                    LiteralNode.of("true", "false", "null"));
            any.target = new AnyOfNode(alts);
        }
        return any;
    }

    private static IllegalArgumentException error(String path, String what) {
        return new IllegalArgumentException("JSON schema at " + path + ": " + what);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object schema, String path) {
        if (schema instanceof Map<?, ?> m) {
            for (Object k : m.keySet()) {
                if (!(k instanceof String)) {
                    throw error(path, "keys must be strings");
                }
            }
            return (Map<String, Object>) m;
        }
        throw error(path, "a schema must be an object or a boolean, got " + describe(schema));
    }

    private static String describe(Object v) {
        return v == null ? "null" : v instanceof String ? "a string" : v instanceof List ? "an array"
                : v instanceof Number ? "a number" : v.getClass().getSimpleName();
    }

    private Node node(Object schema, String path) {
        if (schema instanceof Boolean b) {
            if (!b) {
                throw error(path, "schema false allows no value");
            }
            return anyNode();
        }
        Map<String, Object> s = map(schema, path);
        for (String k : s.keySet()) {
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) {
                throw error(path, "unsupported keyword '" + k + "'");
            }
        }
        Set<String> constraints = new LinkedHashSet<>(s.keySet());
        constraints.removeAll(ANNOTATIONS);
        if (s.containsKey("$ref")) {
            if (constraints.size() > 1) {
                throw error(path, "'$ref' together with other keywords (" + constraints + ") is not supported");
            }
            return ref(s.get("$ref"), path);
        }
        if (s.containsKey("allOf")) {
            Map<String, Object> merged = new LinkedHashMap<>(s);
            merged.remove("allOf");
            List<?> parts = list(s.get("allOf"), path + "/allOf");
            for (int i = 0; i < parts.size(); i++) {
                merged = merge(merged, resolve(parts.get(i), path + "/allOf/" + i), path + "/allOf/" + i);
            }
            return node(merged, path);
        }
        for (String key : List.of("anyOf", "oneOf")) {
            if (s.containsKey(key)) {
                // Siblings apply to every alternative: {type: object, required: [..], anyOf: [...]}.
                Map<String, Object> rest = new LinkedHashMap<>(s);
                rest.remove(key);
                rest.keySet().removeAll(ANNOTATIONS);
                List<?> alts = list(s.get(key), path + "/" + key);
                List<Node> nodes = new ArrayList<>();
                for (int i = 0; i < alts.size(); i++) {
                    String p = path + "/" + key + "/" + i;
                    nodes.add(rest.isEmpty() ? node(alts.get(i), p) : node(merge(rest, resolve(alts.get(i), p), p), p));
                }
                return new AnyOfNode(nodes);
            }
        }
        List<String> types = types(s, path);
        boolean nullable = Boolean.TRUE.equals(s.get("nullable"));
        if (nullable && !types.contains("null")) {
            types = new ArrayList<>(types);
            types.add("null");
        }
        if (s.containsKey("enum") || s.containsKey("const")) {
            return literals(s, types, path);
        }
        if (types.isEmpty()) {
            return anyNode();
        }
        List<Node> nodes = new ArrayList<>();
        for (String t : types) {
            nodes.add(typed(t, s, path));
        }
        return nodes.size() == 1 ? nodes.get(0) : new AnyOfNode(nodes);
    }

    /** The declared types, or the one the keywords imply, or none (any value). */
    private static List<String> types(Map<String, Object> s, String path) {
        Object t = s.get("type");
        List<String> out = new ArrayList<>();
        if (t == null) {
            if (s.containsKey("properties") || s.containsKey("additionalProperties") || s.containsKey("required")) {
                out.add("object");
            } else if (s.containsKey("items") || s.containsKey("prefixItems") || s.containsKey("minItems") || s.containsKey("maxItems")) {
                out.add("array");
            } else if (s.containsKey("pattern") || s.containsKey("format") || s.containsKey("minLength") || s.containsKey("maxLength")) {
                out.add("string");
            } else if (s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum") || s.containsKey("exclusiveMaximum")) {
                out.add("number");
            }
            return out;
        }
        for (Object x : t instanceof List<?> l ? l : List.of(t)) {
            if (!(x instanceof String name) || !TYPES.contains(name)) {
                throw error(path, "unknown type " + (x instanceof String ? "'" + x + "'" : describe(x)));
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw error(path, "an empty type list allows no value");
        }
        // integer is a subset of number: keep number only
        if (out.contains("number")) {
            out.remove("integer");
        }
        return out;
    }

    private Node literals(Map<String, Object> s, List<String> types, String path) {
        List<?> values = s.containsKey("const") ? java.util.Collections.singletonList(s.get("const")) : list(s.get("enum"), path + "/enum");
        List<byte[]> bytes = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (Object v : values) {
            if (!types.isEmpty() && !types.contains(typeOf(v)) && !(typeOf(v).equals("integer") && types.contains("number"))) {
                continue;
            }
            String text = Json.write(v);
            shown.add(text);
            bytes.add(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (s.containsKey("nullable") && Boolean.TRUE.equals(s.get("nullable")) && !shown.contains("null")) {
            shown.add("null");
            bytes.add("null".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (bytes.isEmpty()) {
            throw error(path, "no enum/const value has the declared type");
        }
        return new LiteralNode(bytes, shown);
    }

    private static String typeOf(Object v) {
        return switch (v) {
            case null -> "null";
            case String x -> "string";
            case Boolean x -> "boolean";
            case Long x -> "integer";
            case Integer x -> "integer";
            case Short x -> "integer";
            case java.math.BigInteger x -> "integer";
            case BigDecimal d -> d.stripTrailingZeros().scale() <= 0 ? "integer" : "number";
            case Number x -> x.doubleValue() == Math.rint(x.doubleValue()) ? "integer" : "number";
            case Map<?, ?> x -> "object";
            case List<?> x -> "array";
            default -> "unknown";
        };
    }

    private Node typed(String type, Map<String, Object> s, String path) {
        return switch (type) {
            case "object" -> object(s, path);
            case "array" -> array(s, path);
            case "string" -> string(s, path);
            case "integer", "number" -> new NumberNode(type.equals("integer"),
                    bound(s, "minimum", "exclusiveMinimum", path), exclusive(s, "minimum", "exclusiveMinimum"),
                    bound(s, "maximum", "exclusiveMaximum", path), exclusive(s, "maximum", "exclusiveMaximum"));
            case "boolean" -> LiteralNode.of("true", "false");
            default -> LiteralNode.of("null");
        };
    }

    private Node object(Map<String, Object> s, String path) {
        Map<String, Object> props = s.containsKey("properties") ? map(s.get("properties"), path + "/properties") : Map.of();
        List<?> req = s.containsKey("required") ? list(s.get("required"), path + "/required") : List.of();
        for (Object r : req) {
            if (!(r instanceof String name) || !props.containsKey(name)) {
                throw error(path, "required property " + (r instanceof String ? "'" + r + "'" : describe(r))
                        + " is not declared in properties");
            }
        }
        List<String> names = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        List<Boolean> required = new ArrayList<>();
        for (Map.Entry<String, Object> e : props.entrySet()) {
            names.add(e.getKey());
            values.add(node(e.getValue(), path + "/properties/" + e.getKey()));
            required.add(req.contains(e.getKey()));
        }
        Object ap = s.get("additionalProperties");
        Node additional;
        if (ap == null) {
            // Absent: extra properties would be valid but are never needed, so only a schema without
            // properties (a free-form object) gets them.
            additional = props.isEmpty() ? anyNode() : null;
        } else if (Boolean.FALSE.equals(ap)) {
            additional = null;
        } else {
            additional = node(ap, path + "/additionalProperties");
        }
        return new ObjectNode(names, values, required, additional);
    }

    private Node array(Map<String, Object> s, String path) {
        List<Node> prefix = new ArrayList<>();
        Object items = s.get("items");
        Object rest;
        if (s.containsKey("prefixItems") || items instanceof List) {
            List<?> p = s.containsKey("prefixItems") ? list(s.get("prefixItems"), path + "/prefixItems") : (List<?>) items;
            String where = s.containsKey("prefixItems") ? "/prefixItems/" : "/items/";
            for (int i = 0; i < p.size(); i++) {
                prefix.add(node(p.get(i), path + where + i));
            }
            // Elements after the tuple: optional in JSON Schema, never needed, so none unless a schema says so.
            rest = s.containsKey("prefixItems") ? items : s.get("additionalItems");
        } else {
            rest = items == null ? Boolean.TRUE : items;
        }
        Node itemNode = rest == null || Boolean.FALSE.equals(rest) ? null : node(rest, path + "/items");
        int min = count(s, "minItems", 0, path);
        int max = count(s, "maxItems", Integer.MAX_VALUE, path);
        return new ArrayNode(prefix, itemNode, min, max);
    }

    private Node string(Map<String, Object> s, String path) {
        int min = count(s, "minLength", 0, path);
        int max = count(s, "maxLength", Node.INF, path);
        Dfa dfa = null;
        if (s.containsKey("pattern") && s.containsKey("format")) {
            throw error(path, "'pattern' together with 'format' is not supported");
        }
        if (s.get("pattern") != null) {
            if (!(s.get("pattern") instanceof String p)) {
                throw error(path, "pattern must be a string");
            }
            try {
                dfa = Regex.compile(p);
            } catch (IllegalArgumentException e) {
                throw error(path, e.getMessage());
            }
        } else if (s.get("format") != null) {
            String f = String.valueOf(s.get("format"));
            dfa = Formats.dfa(f);
            if (dfa == null) {
                throw error(path, "unsupported format '" + f + "' (supported: " + String.join(", ", Formats.supported()) + ")");
            }
        }
        if (dfa != null && min > 0) {
            throw error(path, "'minLength' together with 'pattern' or 'format' is not supported");
        }
        return new StringNode(min, Math.min(max, Node.INF), dfa);
    }

    private static int count(Map<String, Object> s, String key, int absent, String path) {
        Object v = s.get(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw error(path, "'" + key + "' must be a non-negative integer");
        }
        return (int) Math.min(n.doubleValue(), Integer.MAX_VALUE);
    }

    private static BigDecimal bound(Map<String, Object> s, String inclusive, String exclusive, String path) {
        Object ex = s.get(exclusive);
        if (ex instanceof Number n) {
            Object in = s.get(inclusive);
            BigDecimal e = decimal(n);
            // both given: the stricter one decides
            if (in instanceof Number m) {
                BigDecimal i = decimal(m);
                boolean lower = inclusive.equals("minimum");
                return lower ? (e.compareTo(i) >= 0 ? e : i) : (e.compareTo(i) <= 0 ? e : i);
            }
            return e;
        }
        Object in = s.get(inclusive);
        if (in == null) {
            return null;
        }
        if (!(in instanceof Number n)) {
            throw error(path, "'" + inclusive + "' must be a number");
        }
        return decimal(n);
    }

    /** Whether the bound {@link #bound} returns is exclusive (draft 6+ number form, or draft 4's boolean). */
    private static boolean exclusive(Map<String, Object> s, String inclusive, String exclusive) {
        Object ex = s.get(exclusive);
        if (ex instanceof Number n) {
            Object in = s.get(inclusive);
            if (in instanceof Number m) {
                int c = decimal(n).compareTo(decimal(m));
                return inclusive.equals("minimum") ? c >= 0 : c <= 0;
            }
            return true;
        }
        return Boolean.TRUE.equals(ex);
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof BigDecimal d ? d : new BigDecimal(n.toString());
    }

    private static List<?> list(Object v, String path) {
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                throw error(path, "must not be empty");
            }
            return l;
        }
        throw error(path, "must be an array");
    }

    /** A schema with its $ref followed (for merging in allOf / anyOf siblings). */
    private Object resolve(Object schema, String path) {
        for (int hops = 0; schema instanceof Map<?, ?> m && m.containsKey("$ref"); hops++) {
            if (hops > 32) {
                throw error(path, "$ref chain too long");
            }
            schema = pointer(String.valueOf(m.get("$ref")), path);
        }
        return schema;
    }

    private Node ref(Object target, String path) {
        if (!(target instanceof String r)) {
            throw error(path, "$ref must be a string");
        }
        RefNode node = refs.get(r);
        if (node == null) {
            node = new RefNode(r);
            refs.put(r, node);
            node.target = node(pointer(r, path), r);
        }
        return node;
    }

    /** Follows a local JSON pointer ("#", "#/$defs/X", "#/definitions/X/properties/y"). */
    private Object pointer(String ref, String path) {
        if (!ref.equals("#") && !ref.startsWith("#/")) {
            throw error(path, "only local $ref (\"#/...\") is supported, got '" + ref + "'");
        }
        Object cur = root;
        if (ref.length() > 2) {
            for (String raw : ref.substring(2).split("/")) {
                String part = java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8)
                        .replace("~1", "/").replace("~0", "~");
                if (cur instanceof Map<?, ?> m && m.containsKey(part)) {
                    cur = m.get(part);
                } else if (cur instanceof List<?> l && part.matches("\\d+") && Integer.parseInt(part) < l.size()) {
                    cur = l.get(Integer.parseInt(part));
                } else {
                    throw error(path, "$ref '" + ref + "' points to nothing");
                }
            }
        }
        return cur;
    }

    /** allOf / anyOf-sibling merge: properties and required are combined, other keywords must agree. */
    private Map<String, Object> merge(Map<String, Object> a, Object bSchema, String path) {
        if (Boolean.TRUE.equals(bSchema)) {
            return a;
        }
        Map<String, Object> b = map(bSchema, path);
        Map<String, Object> out = new LinkedHashMap<>(a);
        for (Map.Entry<String, Object> e : b.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (ANNOTATIONS.contains(k)) {
                continue;
            }
            if (k.equals("allOf") || k.equals("anyOf") || k.equals("oneOf")) {
                throw error(path, "nested '" + k + "' inside allOf is not supported");
            }
            if (k.equals("properties") && out.get(k) instanceof Map<?, ?> mine) {
                Map<String, Object> props = new LinkedHashMap<>(map(mine, path));
                for (Map.Entry<String, Object> p : map(v, path + "/properties").entrySet()) {
                    Object prev = props.get(p.getKey());
                    props.put(p.getKey(), prev == null ? p.getValue() : merge(map(resolve(prev, path), path), resolve(p.getValue(), path), path + "/properties/" + p.getKey()));
                }
                out.put(k, props);
            } else if (k.equals("required") && out.get(k) instanceof List<?> mine) {
                List<Object> req = new ArrayList<>(mine);
                for (Object r : list(v, path + "/required")) {
                    if (!req.contains(r)) {
                        req.add(r);
                    }
                }
                out.put(k, req);
            } else if (out.containsKey(k) && !out.get(k).equals(v)) {
                throw error(path, "allOf parts disagree on '" + k + "'");
            } else {
                out.put(k, v);
            }
        }
        return out;
    }
}
