package dev.caravel.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Acceptance test: every real chat template in {@code shared/reference/templates} renders
 * byte-identically to Python Jinja2 3.1.6 under Hugging Face's settings, and fails where Python
 * fails, with the same error text.
 */
class ReferenceTemplatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The reference renderer fixes strftime_now to 2026-11-22. */
    static final Jinja ENV = Jinja.builder()
            .clock(Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC))
            .build();

    private static Path templatesDir() {
        String shared = System.getProperty("caravel.shared");
        if (shared == null) {
            throw new IllegalStateException("system property caravel.shared is not set");
        }
        return Path.of(shared, "reference", "templates");
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Path dir = templatesDir();
        Map<String, Object> spec = JSON.readValue(dir.resolve("expected/cases.json").toFile(), Map.class);
        Map<String, Map<String, Object>> contexts = (Map<String, Map<String, Object>>) spec.get("contexts");
        List<Arguments> out = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) spec.get("cases")) {
            String name = c.get("expected").toString().replace(".expected.txt", "");
            out.add(Arguments.of(Named.of(name, c), contexts.get((String) c.get("context"))));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikePythonJinja(Map<String, Object> testCase, Map<String, Object> context) throws IOException {
        Path dir = templatesDir();
        String source = Files.readString(dir.resolve((String) testCase.get("template")), StandardCharsets.UTF_8);
        String expected = Files.readString(dir.resolve("expected").resolve((String) testCase.get("expected")),
                StandardCharsets.UTF_8);
        Map<String, Object> variables = new LinkedHashMap<>(context);
        variables.put("add_generation_prompt", testCase.get("add_generation_prompt"));
        variables.put("bos_token", "<s>");
        variables.put("eos_token", "</s>");

        ChatTemplate template = ChatTemplate.compile(source, ENV);
        if ("ok".equals(testCase.get("status"))) {
            assertThat(template.render(variables)).isEqualTo(expected);
        } else {
            assertThatThrownBy(() -> template.render(variables))
                    .isInstanceOfSatisfying(TemplateException.class,
                            e -> assertThat(e.pythonStyle()).isEqualTo(expected.strip()));
        }
    }
}
