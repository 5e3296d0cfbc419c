package dev.caravel.server.openai;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ContentHoldTest {

    @Test
    void streamsTextUntilSomethingMayOpenACall() {
        ContentHold h = new ContentHold(false);
        assertThat(h.offer("Let me check")).isEqualTo("Let me check");
        assertThat(h.offer(". <tool")).isEqualTo(". ");
        assertThat(h.offer("_call>{}")).isEmpty();
        assertThat(h.streamed()).isEqualTo("Let me check. ");
        assertThat(h.held()).isEqualTo("<tool_call>{}");
    }

    @Test
    void holdsEverythingWhenACallIsRequired() {
        ContentHold h = new ContentHold(true);
        assertThat(h.offer("plain")).isEmpty();
        assertThat(h.held()).isEqualTo("plain");
        assertThat(h.streamed()).isEmpty();
    }
}
