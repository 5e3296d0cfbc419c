package dev.caravel.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.util.Objects;

/**
 * Turns tokens into text one at a time, as they are generated, without ever emitting half a
 * character: a token that ends inside a multi-byte UTF-8 sequence (byte fallback, byte-level BPE)
 * leaves those bytes pending until the tokens that complete them arrive. Bytes that can never
 * become a valid character are emitted as U+FFFD right away.
 *
 * <p>Not thread-safe: one decoder per generation stream. The concatenation of everything
 * {@link #push} and {@link #flush} return equals decoding all the tokens at once, except for the
 * whole-text space clean-up some GPT-2 style vocabularies apply in {@link Tokenizer#decode}.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private boolean stripLeadingSpace;
    private final CharsetDecoder decoder = Utf8.newLenientDecoder();
    private ByteBuffer pending = ByteBuffer.allocate(64);

    /**
     * @param renderSpecial      render control tokens (e.g. {@code <|im_end|>}) as their text
     * @param fromStartOfText    the tokens begin a text, so that a SentencePiece vocabulary's space
     *                           prefix is removed from the first token, as llama.cpp's detokenizer
     *                           does; false for a continuation of a prompt
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial, boolean fromStartOfText) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.renderSpecial = renderSpecial;
        this.stripLeadingSpace = fromStartOfText && tokenizer.addsSpacePrefix();
    }

    /** Adds one token; returns the text that is now complete (possibly empty, never null). */
    public String push(int id) {
        byte[] piece = tokenizer.tokenPiece(id, renderSpecial);
        int skip = stripLeadingSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        stripLeadingSpace = false;
        append(piece, skip);
        return drain(false);
    }

    /** Adds several tokens; returns the text that is now complete. */
    public String push(int... ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(push(id));
        }
        return out.toString();
    }

    /**
     * Ends the stream: returns what is still pending, an incomplete trailing sequence replaced by
     * U+FFFD. The decoder can be used again afterwards for a new stream.
     */
    public String flush() {
        String rest = drain(true);
        decoder.reset();
        pending.clear();
        return rest;
    }

    /** Whether bytes of an incomplete character are being held back. */
    public boolean hasPendingBytes() {
        return pending.position() > 0;
    }

    private void append(byte[] piece, int from) {
        int n = piece.length - from;
        if (pending.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + n));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(piece, from, n);
    }

    private String drain(boolean endOfInput) {
        pending.flip();
        // UTF-8 never yields more chars than bytes, even with one U+FFFD per malformed byte
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, endOfInput);
        if (endOfInput) {
            decoder.flush(out);
        }
        pending.compact();
        return out.flip().toString();
    }
}
