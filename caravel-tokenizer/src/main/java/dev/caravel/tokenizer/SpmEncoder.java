package dev.caravel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE (llama.cpp's {@code llm_tokenizer_spm}): start from single characters and
 * repeatedly merge the adjacent pair whose concatenation is the highest-scoring vocabulary entry
 * (ties: the leftmost pair). Whatever remains that is not a token falls back to byte tokens.
 *
 * <p>Work is O(n log n) in the text length: each merge pushes at most two new candidate pairs, and
 * stale candidates are recognized by their length, as in llama.cpp.
 */
final class SpmEncoder {
    private final Vocabulary vocab;

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
    }

    private record Bigram(int left, int right, float score, int length) {
    }

    /** Tokenizes {@code text}, whose spaces must already be written as ▁, appending ids to {@code out}. */
    void encode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            int len = Character.charCount(text.codePointAt(at));
            start[i] = at;
            length[i] = len;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            at += len;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            int byScore = Float.compare(b.score(), a.score());
            return byScore != 0 ? byScore : Integer.compare(a.left(), b.left());
        });
        for (int i = 1; i < n; i++) {
            offer(queue, text, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length()) {
                continue; // one side was merged since this pair was queued
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, text, start, length, prev[left], left);
            offer(queue, text, start, length, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            emit(text.substring(start[i], start[i] + length[i]), out);
        }
    }

    private void offer(PriorityQueue<Bigram> queue, String text, int[] start, int[] length, int left, int right) {
        if (left == -1 || right == -1) {
            return;
        }
        int len = length[left] + length[right];
        int id = vocab.id(text.substring(start[left], start[left] + len));
        if (id != Vocabulary.NONE) {
            queue.add(new Bigram(left, right, vocab.scores[id], len));
        }
    }

    /** A final symbol: its token, or one byte token per UTF-8 byte when it is not in the vocabulary. */
    private void emit(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id != Vocabulary.NONE) {
            out.add(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int byteId = vocab.byteToken(b);
            if (byteId == Vocabulary.NONE) {
                byteId = vocab.special(SpecialToken.UNKNOWN);
            }
            if (byteId != Vocabulary.NONE) {
                out.add(byteId);
            }
        }
    }
}
