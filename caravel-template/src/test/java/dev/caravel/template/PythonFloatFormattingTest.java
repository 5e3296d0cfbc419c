package dev.caravel.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Floats are where a Java port drifts from Python most easily (shortest repr, exponent layout,
 * half-even rounding of the exact binary value). {@code python-floats.json} holds 800 doubles,
 * mostly random bit patterns, with what CPython printed for each.
 */
class PythonFloatFormattingTest {

    @Test
    @SuppressWarnings("unchecked")
    void matchesCPythonForRandomDoubles() throws IOException {
        List<Map<String, Object>> rows;
        try (InputStream in = getClass().getResourceAsStream("/python-floats.json")) {
            rows = new ObjectMapper().readValue(in, List.class);
        }
        assertThat(rows).hasSizeGreaterThan(500);
        Template round = ReferenceTemplatesTest.ENV.compile("{{ x|round(2) }}");
        SoftAssertions soft = new SoftAssertions();
        for (Map<String, Object> row : rows) {
            double d = Double.longBitsToDouble(((Number) row.get("bits")).longValue());
            String label = row.get("str").toString();
            soft.assertThat(PyValues.str(d)).as("str %s", label).isEqualTo(row.get("str"));
            soft.assertThat(new JsonWriter(false, null, null, null, false).write(d)).as("json %s", label)
                    .isEqualTo(row.get("json"));
            soft.assertThat(PyFormat.percent("%.3f", d)).as("%%.3f %s", label).isEqualTo(row.get("fixed3"));
            soft.assertThat(PyFormat.percent("%.2e", d)).as("%%.2e %s", label).isEqualTo(row.get("exp2"));
            soft.assertThat(PyFormat.percent("%g", d)).as("%%g %s", label).isEqualTo(row.get("general"));
            soft.assertThat(round.render(Map.of("x", d))).as("round %s", label).isEqualTo(row.get("round2"));
        }
        soft.assertAll();
    }
}
