package dev.caravel.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real chat templates from {@code shared/reference/templates} with more varied conversations
 * than the reference cases (tool calls with string and dict arguments, tool results, thinking
 * blocks, content parts, empty histories). Expected outputs come from Python Jinja2 3.1.6 via
 * {@code src/test/python/generate_snippets.py}.
 */
class TemplateConversationsTest {

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Map<String, Object> file;
        try (InputStream in = TemplateConversationsTest.class.getResourceAsStream("/template-conversations.json")) {
            file = new ObjectMapper().readValue(in, Map.class);
        }
        Map<String, Map<String, Object>> contexts = (Map<String, Map<String, Object>>) file.get("contexts");
        return ((List<Map<String, Object>>) file.get("cases")).stream().map(c -> {
            String name = c.get("template") + " / " + c.get("context") + (Boolean.TRUE.equals(c.get("add_generation_prompt")) ? " / gen" : "");
            return Arguments.of(Named.of(name, c), contexts.get((String) c.get("context")));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikePythonJinja(Map<String, Object> testCase, Map<String, Object> context) throws IOException {
        Path templates = Path.of(System.getProperty("caravel.shared"), "reference", "templates");
        String source = Files.readString(templates.resolve((String) testCase.get("template")), StandardCharsets.UTF_8);
        Map<String, Object> variables = new LinkedHashMap<>(context);
        variables.put("add_generation_prompt", testCase.get("add_generation_prompt"));
        variables.put("bos_token", "<s>");
        variables.put("eos_token", "</s>");
        ChatTemplate template = ChatTemplate.compile(source, ReferenceTemplatesTest.ENV);
        if (testCase.containsKey("output")) {
            assertThat(template.render(variables)).isEqualTo(testCase.get("output"));
        } else {
            String expected = (String) testCase.get("error");
            // CPython words RecursionError differently depending on where the limit hits.
            boolean recursion = expected.startsWith("RecursionError:");
            assertThatThrownBy(() -> template.render(variables))
                    .isInstanceOfSatisfying(TemplateException.class, e -> {
                        if (recursion) {
                            assertThat(e.kind()).isEqualTo(TemplateException.Kind.RECURSION);
                        } else {
                            assertThat(e.pythonStyle()).isEqualTo(expected);
                        }
                    });
        }
    }
}
