package dev.caravel.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopMatcherTest {
    @Test
    void stopStringSplitAcrossPiecesIsNeverEmitted() {
        StopMatcher m = new StopMatcher(List.of("</end>"));
        StringBuilder out = new StringBuilder();
        for (String piece : new String[]{"Hello <", "/e", "nd> tail"}) {
            out.append(m.offer(piece));
        }
        assertThat(m.stopped()).isTrue();
        assertThat(out.toString()).isEqualTo("Hello ");
        assertThat(m.text()).isEqualTo("Hello ");
    }

    @Test
    void heldBackPrefixIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertThat(m.offer("abc ST")).isEqualTo("abc ");
        assertThat(m.offer("ART")).isEqualTo("START");
        assertThat(m.finish("")).isEmpty();
        assertThat(m.text()).isEqualTo("abc START");
    }

    @Test
    void finishFlushesHeldText() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertThat(m.offer("x S")).isEqualTo("x ");
        assertThat(m.finish("")).isEqualTo("S");
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopMatcher m = new StopMatcher(List.of("bb", "a"));
        assertThat(m.offer("xxbbya")).isEqualTo("xx");
    }
}
