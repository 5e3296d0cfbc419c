package dev.caravel.server.openai;

/**
 * Streams a choice's text while tools are offered, holding back what may be a tool call: from the first
 * character that can open a call in the formats models use ({@code <tool_call>}, {@code [TOOL_CALLS]},
 * a bare {@code {"name": …}} object, a fenced block) to the end, since only the finished text can be parsed
 * with certainty. Text before it streams as content at once. When a call is required, everything is held.
 */
final class ContentHold {
    private static final String OPENERS = "<[{`";

    private final boolean holdAll;
    private final StringBuilder streamed = new StringBuilder();
    private final StringBuilder held = new StringBuilder();
    private boolean holding;

    ContentHold(boolean holdAll) {
        this.holdAll = holdAll;
        this.holding = holdAll;
    }

    /** Takes new text; returns the part that can be streamed as content now. */
    String offer(String text) {
        if (holding) {
            held.append(text);
            return "";
        }
        int at = -1;
        for (int i = 0; i < text.length() && at < 0; i++) {
            if (OPENERS.indexOf(text.charAt(i)) >= 0) {
                at = i;
            }
        }
        if (at < 0) {
            streamed.append(text);
            return text;
        }
        holding = true;
        held.append(text, at, text.length());
        streamed.append(text, 0, at);
        return text.substring(0, at);
    }

    /** Content already streamed. */
    String streamed() {
        return streamed.toString();
    }

    /** Text held back so far. */
    String held() {
        return held.toString();
    }

    boolean holdsAll() {
        return holdAll;
    }
}
