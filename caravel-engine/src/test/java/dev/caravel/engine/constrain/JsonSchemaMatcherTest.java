package dev.caravel.engine.constrain;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The byte matcher against JSON Schema semantics: accepted / rejected texts per keyword, and random walks. */
class JsonSchemaMatcherTest {
    static Object parse(String json) {
        try {
            return SchemaValidator.MAPPER.readValue(json, Object.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /** Schemas for the random walks: each exercises some keywords. */
    static final List<String> SCHEMAS = List.of(
            """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"ok":{"type":"boolean"},
             "nick":{"type":["string","null"]}},"required":["name","age","ok","nick"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"a":{"type":"integer","minimum":-5,"maximum":5},"b":{"type":"string","maxLength":3},
             "c":{"type":"null"}},"required":["b"],"additionalProperties":{"type":"number"}}""",
            """
            {"type":"array","items":{"type":"integer","minimum":10,"maximum":12},"minItems":2,"maxItems":4}""",
            """
            {"type":"array","prefixItems":[{"type":"string","maxLength":2},{"type":"null"},{"type":"boolean"}],"items":false,"minItems":2}""",
            """
            {"type":"array","items":[{"const":1},{"type":"string","minLength":1,"maxLength":1}],"additionalItems":{"type":"null"},"maxItems":4}""",
            """
            {"type":"string","minLength":2,"maxLength":4}""",
            """
            {"enum":["red","green",3,null,{"a":[1,"é"]},true,"gr"]}""",
            """
            {"const":"x\\"y"}""",
            """
            {"type":"object","properties":{"d":{"type":"string","format":"date"},"dt":{"type":"string","format":"date-time"},
             "t":{"type":"string","format":"time"},"u":{"type":"string","format":"uuid"},"e":{"type":"string","format":"email"},
             "ip":{"type":"string","format":"ipv4"},"h":{"type":"string","format":"hostname"},"uri":{"type":"string","format":"uri"}},
             "required":["d","dt","t","u","e","ip","h","uri"]}""",
            """
            {"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{2}-\\\\d{3,5}$"},
             "loose":{"type":"string","pattern":"ab+c"},"short":{"type":"string","pattern":"^[a-z]+$","maxLength":5},
             "cjk":{"type":"string","pattern":"^[é日]+(x|yz)?$"},"alt":{"type":"string","pattern":"^(?:cat|dog)s?\\\\.$"}},
             "required":["code","loose","short","cjk","alt"]}""",
            """
            {"type":"object","properties":{"x":{"type":"number","minimum":-1.5,"maximum":2.25},
             "y":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},"z":{"type":"integer","minimum":100,"maximum":105},
             "w":{"type":"integer","minimum":-20,"maximum":-10},"v":{"type":"integer","exclusiveMinimum":5},"u":{"type":"number"},
             "t":{"type":"number","minimum":0.1,"maximum":0.1}},"required":["x","y","z","w","v","u","t"]}""",
            """
            {"anyOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},"required":["kind","x"],"additionalProperties":false},
             {"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string"}},"required":["kind","y"],"additionalProperties":false}]}""",
            """
            {"oneOf":[{"type":"integer","minimum":0,"maximum":9},{"type":"string","enum":["none"]},{"type":"array","items":{"type":"boolean"},"maxItems":2}]}""",
            """
            {"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
             {"properties":{"b":{"type":"integer"}},"required":["b"]}]}""",
            """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
             "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value","children"]}},
             "$ref":"#/$defs/node"}""",
            """
            {"definitions":{"p":{"type":"string","enum":["x","y"]}},"type":"object","properties":{"p":{"$ref":"#/definitions/p"},
             "q":{"anyOf":[{"$ref":"#/definitions/p"},{"type":"null"}],"description":"either"}},"required":["p","q"]}""",
            """
            {"type":"object"}""",
            """
            {}""",
            """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},
             "tags":{"type":"array","items":{"type":"string"}}},"required":["id"]}}},"required":["items"]}""",
            """
            {"type":"object","properties":{"we\\"ird key":{"type":"integer"},"日本":{"type":"boolean"},"a/b":{"type":"null"}},
             "required":["we\\"ird key","日本"]}""",
            """
            {"type":"object","properties":{"a":{"type":"integer"},"ab":{"type":"integer"}},"additionalProperties":true}""",
            """
            {"type":"object","properties":{"v":{"type":"string","nullable":true}},"required":["v"],"title":"T","description":"d"}""");

    @TestFactory
    Stream<DynamicTest> randomWalksValidate() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String json : SCHEMAS) {
            tests.add(DynamicTest.dynamicTest(json.replace("\n", " "), () -> {
                Object schema = parse(json);
                Grammar g = Grammar.schema(schema);
                Random rnd = new Random(json.hashCode());
                for (int i = 0; i < 300; i++) {
                    String out = Bytes.randomWalk(g, rnd, rnd.nextInt(120));
                    String error = SchemaValidator.validate(schema, out);
                    assertThat(error).as("output %s", out).isNull();
                    assertThat(Bytes.accepts(g, out)).isTrue();
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void anyJsonObjectWalks() {
        Grammar g = Grammar.anyObject();
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            String out = Bytes.randomWalk(g, rnd, rnd.nextInt(200));
            assertThat(SchemaValidator.validate(Map.of("type", "object"), out)).as(out).isNull();
        }
    }

    private static void check(String schema, List<String> accepted, List<String> rejected) {
        Grammar g = Grammar.schema(parse(schema));
        for (String a : accepted) {
            assertThat(Bytes.accepts(g, a)).as("%s accepts %s", schema, a).isTrue();
        }
        for (String r : rejected) {
            assertThat(Bytes.accepts(g, r)).as("%s rejects %s", schema, r).isFalse();
        }
    }

    @Test
    void objectsKeepDeclaredOrderAndRequiredProperties() {
        String strict = """
                {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}""";
        check(strict, List.of("{\"name\":\"x\",\"age\":1}", "{ \"name\" : \"x\" , \"age\" : 1 }", "{\n  \"name\": \"x\",\n  \"age\": -3\n}"),
                List.of("{\"age\":1,\"name\":\"x\"}", "{\"name\":\"x\"}", "{\"name\":\"x\",\"age\":1,\"z\":2}", "{}",
                        "{\"name\":\"x\",\"name\":\"y\",\"age\":1}", "{  \"name\":\"x\",\"age\":1}", "{\"name\":\"x\",\"age\":1} "));
        assertThat(Bytes.acceptsPrefix(Grammar.schema(parse(strict)), "{\"ag")).isFalse();
        String optional = """
                {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}},"required":["b"]}""";
        check(optional, List.of("{\"b\":1}", "{\"a\":0,\"b\":1}", "{\"b\":1,\"c\":2}", "{\"a\":0,\"b\":1,\"c\":2}"),
                List.of("{}", "{\"c\":2}", "{\"a\":0}", "{\"b\":1,\"a\":0}", "{\"b\":1,\"d\":0}", "{\"b\":1,}"));
        String extra = """
                {"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"string"}}""";
        check(extra, List.of("{}", "{\"a\":1}", "{\"a\":1,\"x_y-9\":\"s\"}", "{\"zz\":\"s\",\"q\":\"t\"}"),
                List.of("{\"x\":1}", "{\"a\":\"s\"}", "{\"zz\":\"s\",\"a\":1}", "{\"a\":1,\"a\":\"s\"}"));
        check("{\"type\":\"object\"}", List.of("{}", "{\"any key ✓\":[1,{\"b\":null}]}", "{\"\":\"\"}"), List.of("[]", "{\"a\"}"));
    }

    @Test
    void arrays() {
        check("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}",
                List.of("[1]", "[1,2]", "[ 1 , 2 ]", "[\n  1\n]"), List.of("[]", "[1,2,3]", "[1,]", "[\"a\"]"));
        check("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
                List.of("[]", "[\"a\"]", "[\"a\",1]"), List.of("[1]", "[\"a\",1,2]"));
    }

    @Test
    void strings() {
        check("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}",
                List.of("\"ab\"", "\"abc\"", "\"日本\"", "\"a\\n\"", "\"\\u00e9x\"", "\"😀😀\""),
                List.of("\"a\"", "\"abcd\"", "\"a\nb\"", "\"\\ud800x\"", "\"\\x\"", "abc"));
        Grammar s = Grammar.schema(parse("{\"type\":\"string\"}"));
        Bytes b = new Bytes(s);
        assertThat(b.feed('"')).isTrue();
        assertThat(b.feed(0xE6)).isTrue();           // first byte of 日
        assertThat(b.feed('"')).isFalse();          // the character must be finished first
        assertThat(b.feed(0x97)).isTrue();
        assertThat(b.feed(0xC0)).isFalse();         // never valid UTF-8
        assertThat(b.feed(0xA5)).isTrue();
        assertThat(b.feed('"')).isTrue();
        assertThat(b.canFinish()).isTrue();
        check("{\"type\":\"string\",\"format\":\"date\"}", List.of("\"2024-12-31\"", "\"2023-02-28\""),
                List.of("\"2024-02-30\"", "\"2024-13-01\"", "\"24-01-01\"", "\"2024-04-31\""));
        check("{\"type\":\"string\",\"format\":\"uuid\"}", List.of("\"123e4567-e89b-12d3-a456-426614174000\""),
                List.of("\"123e4567e89b12d3a456426614174000\""));
        check("{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}-\\\\d{3}$\"}", List.of("\"AB-123\""), List.of("\"AB-12\"", "\"ab-123\"", "\"AB-1234\""));
        check("{\"type\":\"string\",\"pattern\":\"b+\"}", List.of("\"abbbc\"", "\"b\""), List.of("\"ac\""));
        check("{\"enum\":[\"a\",\"ab\",1,10]}", List.of("\"a\"", "\"ab\"", "1", "10"), List.of("\"b\"", "100", "0", "\"abc\""));
    }

    @Test
    void numbers() {
        check("{\"type\":\"integer\",\"minimum\":100,\"maximum\":105}", List.of("100", "105", "103"), List.of("99", "106", "1000", "100.0", "-100"));
        check("{\"type\":\"integer\",\"minimum\":-20,\"maximum\":-10}", List.of("-10", "-20", "-15"), List.of("-9", "-21", "10", "-0"));
        check("{\"type\":\"number\",\"minimum\":-1.5,\"maximum\":2.25}", List.of("-1.5", "2.25", "0", "0.123456", "-1"),
                List.of("-1.51", "2.26", "3", "2.250001", "1e2", "01", ".5"));
        check("{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":1}", List.of("0.5", "0.000001"), List.of("0", "1", "0.0"));
        check("{\"type\":\"number\"}", List.of("0", "-0.5", "123.25", "7"), List.of("1.", "-", "00", "1e5", "+1"));
        Grammar g = Grammar.schema(parse("{\"type\":\"integer\",\"minimum\":100,\"maximum\":105}"));
        assertThat(Bytes.acceptsPrefix(g, "1")).isTrue();
        assertThat(Bytes.acceptsPrefix(g, "2")).isFalse();
        assertThat(Bytes.acceptsPrefix(g, "11")).isFalse();
    }

    @Test
    void whitespaceIsBounded() {
        Grammar g = Grammar.schema(parse("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}"));
        assertThat(Bytes.acceptsPrefix(g, "[ ")).isTrue();
        assertThat(Bytes.acceptsPrefix(g, "[  ")).isFalse();
        assertThat(Bytes.acceptsPrefix(g, "[\n" + " ".repeat(20))).isTrue();
        assertThat(Bytes.acceptsPrefix(g, "[\n" + " ".repeat(21))).isFalse();
        assertThat(Bytes.acceptsPrefix(g, "[\n\n")).isFalse();
        assertThat(Bytes.acceptsPrefix(g, " [")).isFalse();
    }

    @Test
    void unsupportedKeywordsAreClearErrors() {
        for (String kw : List.of("not", "patternProperties", "multipleOf", "uniqueItems", "if", "minProperties", "contains")) {
            assertThatThrownBy(() -> Grammar.schema(Map.of("type", "object", kw, Map.of())))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + kw + "'");
        }
        assertThatThrownBy(() -> Grammar.schema(parse("{\"type\":\"string\",\"format\":\"ipv6\"}"))).hasMessageContaining("'ipv6'");
        assertThatThrownBy(() -> Grammar.schema(parse("{\"type\":\"string\",\"pattern\":\"(?=a)b\"}"))).hasMessageContaining("lookaround");
        assertThatThrownBy(() -> Grammar.schema(parse("{\"$ref\":\"http://x/y.json\"}"))).hasMessageContaining("only local $ref");
        assertThatThrownBy(() -> Grammar.schema(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":2}},\"required\":[\"a\"]}")))
                .hasMessageContaining("minimum 3 and maximum 2");
        assertThatThrownBy(() -> Grammar.schema(parse("{\"type\":\"objet\"}"))).hasMessageContaining("unknown type 'objet'");
        assertThatThrownBy(() -> Grammar.schema(parse("{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":\"#/$defs/n\"}},\"required\":[\"n\"]}},\"$ref\":\"#/$defs/n\"}")))
                .hasMessageContaining("allows no finite JSON value");
    }
}
