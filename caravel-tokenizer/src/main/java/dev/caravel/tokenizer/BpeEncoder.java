package dev.caravel.tokenizer;

import java.util.PriorityQueue;

/**
 * Rank-based BPE over one pre-tokenized word (llama.cpp's {@code llm_tokenizer_bpe_session}): start
 * from single characters and repeatedly apply the lowest-ranked merge among adjacent pairs (ties:
 * the leftmost pair). A final symbol that is not a token falls back to single-byte tokens.
 */
final class BpeEncoder {
    private final Vocabulary vocab;
    private final boolean byteEncoded;

    BpeEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        this.byteEncoded = vocab.pre.type().byteEncode();
    }

    private record Bigram(int left, int right, int rank, int length) {
    }

    /** Tokenizes one word (byte-level encoded, or raw for SentencePiece-style BPE), appending to {@code out}. */
    void encodeWord(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (vocab.ignoreMerges || isNewlineRunOfGemma(word)) {
            int id = vocab.id(word);
            if (id != Vocabulary.NONE) {
                out.add(id); // the whole word is a token: llama.cpp skips the merges
                return;
            }
        }
        int n = word.codePointCount(0, word.length());
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            int len = Character.charCount(word.codePointAt(at));
            start[i] = at;
            length[i] = len;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            at += len;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank() != b.rank()
                ? Integer.compare(a.rank(), b.rank()) : Integer.compare(a.left(), b.left()));
        for (int i = 1; i < n; i++) {
            offer(queue, word, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // both symbols only grow and start where they started, so an unchanged pair has the same length
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length()) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, word, start, length, prev[left], left);
            offer(queue, word, start, length, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            emit(word.substring(start[i], start[i] + length[i]), out);
        }
    }

    /** Gemma 4 keeps a run of newlines whole when the vocabulary has it. */
    private boolean isNewlineRunOfGemma(String word) {
        return vocab.pre.type() == PreTokenizer.GEMMA4 && word.chars().allMatch(c -> c == '\n');
    }

    private void offer(PriorityQueue<Bigram> queue, String word, int[] start, int[] length, int left, int right) {
        if (left == -1 || right == -1) {
            return;
        }
        String key = new StringBuilder(length[left] + length[right] + 1)
                .append(word, start[left], start[left] + length[left]).append(' ')
                .append(word, start[right], start[right] + length[right]).toString();
        Integer rank = vocab.mergeRanks.get(key);
        if (rank != null) {
            queue.add(new Bigram(left, right, rank, length[left] + length[right]));
        }
    }

    private void emit(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id != Vocabulary.NONE) {
            out.add(id);
            return;
        }
        // llama.cpp looks up each byte of the symbol's UTF-8 on its own; only ASCII can match there
        for (byte b : symbol.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int byteId;
            if (byteEncoded) {
                byteId = b >= 0 ? vocab.id(String.valueOf((char) b)) : Vocabulary.NONE;
            } else {
                byteId = vocab.id(String.format("<0x%02X>", b & 0xFF));
            }
            if (byteId != Vocabulary.NONE) {
                out.add(byteId);
            }
        }
    }
}
