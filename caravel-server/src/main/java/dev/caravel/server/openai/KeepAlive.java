package dev.caravel.server.openai;

import dev.caravel.server.Call;

import java.io.IOException;
import java.time.Duration;

/**
 * How a non-streamed answer notices that its client went away. A stream finds out from its next failed write;
 * a whole-at-once answer writes nothing until it is done, so a client that gave up (a timeout, Ctrl-C) would
 * otherwise hold its slot until {@code max_tokens}. Once the answer has taken longer than {@code after}, this
 * writes a space (valid before a JSON value, see {@link Call#keepAlive}) every {@link #PULSE}; a closed
 * connection fails such a write, the request's thread ends and its jobs are cancelled at the next step.
 * Quick answers never pulse, so they keep their {@code Content-Length} and any late error its own status.
 */
final class KeepAlive {
    /** Between spaces: about two pulses pass before a peer's reset makes a write fail. */
    static final long PULSE = Duration.ofMillis(200).toNanos();

    private final Call call;
    private long due;

    /** @param after how long an answer may take before the first space (so before its headers) */
    KeepAlive(Call call, Duration after) {
        this.call = call;
        this.due = call.started() + after.toNanos();
    }

    /** The generation's next event, pulsing while waiting for it and whenever one is due. */
    Generation.Event next(Generation g) throws IOException, InterruptedException {
        while (true) {
            long now = System.nanoTime();
            if (now - due >= 0) {
                call.keepAlive();
                due = now + PULSE;
            }
            Generation.Event e = g.next(due - now);
            if (e != null) {
                return e;
            }
        }
    }
}
