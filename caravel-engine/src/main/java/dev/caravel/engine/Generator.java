package dev.caravel.engine;

import dev.caravel.model.LanguageModel;
import dev.caravel.tokenizer.StreamingDecoder;
import dev.caravel.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * The generation loop: prefill the prompt (reusing any cached prefix), then sample token after
 * token, streaming complete UTF-8 text to a listener, until an end-of-generation token, a stop
 * string, the token budget or the context end.
 */
public final class Generator {
    private final LanguageModel model;
    private final Tokenizer tokenizer;

    public Generator(LanguageModel model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public LanguageModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Receives text as it is produced; return false to stop generating. */
    @FunctionalInterface
    public interface Listener {
        boolean onText(String piece, int token);
    }

    public GenerationResult generate(Sequence seq, int[] prompt, GenerationRequest req, Listener listener) {
        return generate(seq, prompt, req, listener, null);
    }

    public GenerationResult generate(Sequence seq, int[] prompt, GenerationRequest req, Listener listener,
                                     Sequence.LogitsSink promptLogits) {
        Sampler sampler = new Sampler(req.sampling(), model.config().vocabSize());
        for (int t : prompt) {
            sampler.accept(t);
        }
        long t0 = System.nanoTime();
        int reused = seq.prefill(prompt, promptLogits);
        float[] logits = seq.lastLogits();
        long t1 = System.nanoTime();

        int budget = req.maxTokens() < 0 ? Integer.MAX_VALUE : req.maxTokens();
        int[] out = new int[Math.min(budget, seq.capacity() - seq.length())];
        int n = 0;
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StopMatcher stops = new StopMatcher(req.stop());
        FinishReason reason = FinishReason.LENGTH;
        while (n < budget) {
            int token = sampler.sample(logits);
            sampler.accept(token);
            out[n++] = token;
            if (!req.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
                reason = FinishReason.STOP;
                break;
            }
            String piece = stops.offer(decoder.push(token));
            if (!piece.isEmpty() && listener != null && !listener.onText(piece, token)) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (stops.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
            if (n >= budget || seq.length() + 1 >= seq.capacity()) {
                break;
            }
            logits = seq.append(token);
        }
        if (reason != FinishReason.CANCELLED && !stops.stopped()) {
            // Bytes of an unfinished character and text held back as a possible stop-string start.
            String tail = stops.finish(decoder.flush());
            if (!tail.isEmpty() && listener != null) {
                listener.onText(tail, -1);
            }
        }
        long t2 = System.nanoTime();
        return new GenerationResult(stops.text(), Arrays.copyOf(out, n), reason, prompt.length, reused, t1 - t0, t2 - t1);
    }
}
