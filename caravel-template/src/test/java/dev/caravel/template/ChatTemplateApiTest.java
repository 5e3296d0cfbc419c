package dev.caravel.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The public API and the behaviour that is Caravel's own rather than Python Jinja2's. */
class ChatTemplateApiTest {

    private static final String CHATML = """
            {% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}
            {% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}""";

    @Test
    void rendersMessagesWithConvenienceOverload() {
        ChatTemplate t = ChatTemplate.compile(CHATML);
        String out = t.render(List.of(Map.of("role", "user", "content", "你好")), true, Map.of());
        assertThat(out).isEqualTo("<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.source()).isEqualTo(CHATML);
    }

    @Test
    void acceptsJacksonParsedJson() throws Exception {
        Object parsed = new ObjectMapper().readValue(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":3,\"big\":123456789012345678901,\"f\":1.5}",
                Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = TemplateValues.fromJsonObject((Map<String, ?>) parsed);
        assertThat(vars.get("n")).isEqualTo(3L);
        assertThat(vars.get("big")).isEqualTo(new BigInteger("123456789012345678901"));
        String out = ChatTemplate.compile("{{ n * 2 }} {{ big + 1 }} {{ f }} {{ messages|tojson }}").render(vars);
        assertThat(out).isEqualTo("6 123456789012345678902 1.5 [{\"role\": \"user\", \"content\": \"hi\"}]");
    }

    @Test
    void convertsJavaCollectionsAndArrays() {
        Object v = TemplateValues.fromJson(Map.of("a", new int[0].length, "list", new Object[] {1, 2.5f, null}));
        assertThat(v).isEqualTo(Map.of("a", 0L, "list", java.util.Arrays.asList(1L, 2.5, null)));
    }

    @Test
    void generationBlocksAreTransparent() {
        String out = ChatTemplate.compile("{% generation %}{{ 'answer' }}{% endgeneration %}!").render(Map.of());
        assertThat(out).isEqualTo("answer!");
    }

    @Test
    void mutationIsRefusedByDefaultAndAllowedOnRequest() {
        String source = "{% set xs = [] %}{% set _ = xs.append(1) %}{% set d = {} %}{% set _ = d.update({'k': 2}) %}{{ xs }}{{ d }}";
        assertThatThrownBy(() -> Jinja.huggingFace().compile(source).render(Map.of()))
                .isInstanceOfSatisfying(TemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(TemplateException.Kind.SECURITY));
        Jinja mutable = Jinja.builder().mutableCollections(true).build();
        assertThat(mutable.compile(source).render(Map.of())).isEqualTo("[1]{'k': 2}");
    }

    @Test
    void mutationNeverTouchesCallerData() {
        List<Object> callerList = new ArrayList<>(List.of(1));
        Jinja mutable = Jinja.builder().mutableCollections(true).build();
        mutable.compile("{% set _ = xs.append(2) %}{{ xs }}").render(Map.of("xs", callerList));
        assertThat(callerList).containsExactly(1);
    }

    @Test
    void customGlobalsFiltersAndTests() {
        Jinja env = Jinja.builder()
                .global("model_name", "caravel")
                .global("shout", (JinjaFunction) (args, kwargs) -> args.getFirst().toString().toUpperCase() + "!")
                .filter("wrap", (args, kwargs) -> "[" + args.get(0) + (args.size() > 1 ? args.get(1) : "") + "]")
                .test("short", (args, kwargs) -> args.getFirst().toString().length() < 4)
                .build();
        String out = env.compile("{{ shout(model_name) }} {{ 'x'|wrap }} {{ 'x'|wrap('y') }} {{ 'abc' is short }}")
                .render(Map.of());
        assertThat(out).isEqualTo("CARAVEL! [x] [xy] True");
    }

    @Test
    void strftimeNowUsesTheInjectedClock() {
        Jinja env = Jinja.builder().clock(Clock.fixed(Instant.parse("2024-07-04T15:30:00Z"), ZoneOffset.UTC)).build();
        assertThat(env.compile("{{ strftime_now('%d %b %Y %H:%M') }}").render(Map.of())).isEqualTo("04 Jul 2024 15:30");
    }

    @Test
    void raiseExceptionCarriesTheTemplateMessage() {
        assertThatThrownBy(() -> ChatTemplate.compile("{{ raise_exception('System role not supported') }}").render(Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessage("System role not supported")
                .satisfies(e -> assertThat(((TemplateException) e).pythonStyle())
                        .isEqualTo("TemplateError: System role not supported"));
    }

    @Test
    void syntaxErrorsReportTheLine() {
        assertThatThrownBy(() -> ChatTemplate.compile("line one\n{% if x %}\n{% endfor %}"))
                .isInstanceOfSatisfying(TemplateException.class, e -> {
                    assertThat(e.kind()).isEqualTo(TemplateException.Kind.SYNTAX);
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("Encountered unknown tag 'endfor'.");
                });
    }

    @Test
    void breakOutsideALoopIsASyntaxError() {
        assertThatThrownBy(() -> ChatTemplate.compile("{% break %}"))
                .isInstanceOfSatisfying(TemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(TemplateException.Kind.SYNTAX));
    }

    @Test
    void compiledTemplatesAreReusable() {
        Template t = Jinja.huggingFace().compile("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}");
        assertThat(t.render(Map.of("xs", List.of(1, 2)))).isEqualTo("3");
        assertThat(t.render(Map.of("xs", List.of(5)))).isEqualTo("5");
    }

    @Test
    void deepMacroRecursionFailsCleanly() {
        assertThatThrownBy(() -> ChatTemplate.compile("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").render(Map.of()))
                .isInstanceOfSatisfying(TemplateException.class,
                        e -> assertThat(e.getMessage()).contains("recursion"));
    }
}
