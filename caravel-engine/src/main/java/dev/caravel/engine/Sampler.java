package dev.caravel.engine;

import java.util.Arrays;

/**
 * Picks the next token from logits: penalties, then top-k, top-p, min-p, temperature, and a
 * seeded draw (llama.cpp's sampler-chain order). Greedy when the temperature is 0.
 *
 * <p>All work buffers are sized to the vocabulary at construction; {@link #sample} allocates
 * nothing. Not thread-safe: one sampler per sequence.
 */
public final class Sampler {
    private final SamplingParams params;
    private final int vocab;
    private final int[] recent;       // ring buffer of the last repeatLastN tokens
    private int recentCount;
    private int recentHead;
    private final int[] counts;       // (vocab) occurrences within the ring buffer
    private final long[] keyed;       // (vocab) candidates as sortable (logit bits, id) pairs
    private final float[] probs;      // (vocab) candidate probabilities, in sorted order
    private long rngState;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = params.validate();
        this.vocab = vocabSize;
        this.recent = new int[Math.max(1, params.repeatLastN())];
        this.counts = new int[vocabSize];
        this.keyed = new long[vocabSize];
        this.probs = new float[vocabSize];
        this.rngState = params.seed();
    }

    public SamplingParams params() {
        return params;
    }

    /** Remembers a token (prompt or generated) for the repetition penalties. */
    public void accept(int token) {
        if (params.repeatLastN() == 0 || token < 0 || token >= vocab) {
            return;
        }
        if (recentCount == recent.length) {
            counts[recent[recentHead]]--;
        } else {
            recentCount++;
        }
        recent[recentHead] = token;
        counts[token]++;
        recentHead = (recentHead + 1) % recent.length;
    }

    public void reset() {
        Arrays.fill(counts, 0);
        recentCount = 0;
        recentHead = 0;
        rngState = params.seed();
    }

    /** Chooses the next token; {@code logits} is modified in place by the penalties. */
    public int sample(float[] logits) {
        applyPenalties(logits);
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int n = sortCandidates(logits);
        if (params.topK() > 0) {
            n = Math.min(n, params.topK());
        }
        // Probabilities at temperature 1 decide top-p / min-p, as in llama.cpp's chain.
        softmaxSorted(n, 1f);
        if (params.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += probs[i];
                if (cum >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (params.minP() > 0f) {
            float threshold = probs[0] * params.minP();
            int keep = 1;
            while (keep < n && probs[keep] >= threshold) {
                keep++;
            }
            n = keep;
        }
        softmaxSorted(n, params.temperature());
        double r = nextDouble();
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += probs[i];
            if (r < cum) {
                return idOf(keyed[i]);
            }
        }
        return idOf(keyed[n - 1]);
    }

    private void applyPenalties(float[] logits) {
        boolean any = params.repeatPenalty() != 1f || params.frequencyPenalty() != 0f || params.presencePenalty() != 0f;
        if (!any || recentCount == 0) {
            return;
        }
        for (int i = 0; i < recentCount; i++) {
            int t = recent[i];
            int c = counts[t];
            if (c <= 0) {
                continue;
            }
            // Each distinct token once: mark by negating its count, restored below.
            float l = logits[t];
            l = l > 0 ? l / params.repeatPenalty() : l * params.repeatPenalty();
            l -= c * params.frequencyPenalty() + params.presencePenalty();
            logits[t] = l;
            counts[t] = -c;
        }
        for (int i = 0; i < recentCount; i++) {
            int t = recent[i];
            if (counts[t] < 0) {
                counts[t] = -counts[t];
            }
        }
    }

    /** Fills {@link #keyed} with all candidates sorted by descending logit; returns their count. */
    private int sortCandidates(float[] logits) {
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float l = logits[i];
            if (l == Float.NEGATIVE_INFINITY || Float.isNaN(l)) {
                continue;
            }
            keyed[n++] = ((long) ~orderedBits(l) << 32) | i; // ascending keys = descending logits, ties by id
        }
        if (params.topK() > 0 && params.topK() < n) {
            partialSelect(n, params.topK());
            Arrays.sort(keyed, 0, params.topK());
            return n;
        }
        Arrays.sort(keyed, 0, n);
        return n;
    }

    /** Moves the k smallest keys to the front (quickselect), in no particular order. */
    private void partialSelect(int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            long pivot = keyed[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (keyed[i] < pivot) i++;
                while (keyed[j] > pivot) j--;
                if (i <= j) {
                    long t = keyed[i];
                    keyed[i] = keyed[j];
                    keyed[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private void softmaxSorted(int n, float temperature) {
        float max = logitOf(keyed[0]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logitOf(keyed[i]) - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) {
            probs[i] = (float) (probs[i] / sum);
        }
    }

    /** An int whose signed order is the float order (negative floats have their magnitude bits flipped). */
    private static int orderedBits(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7FFFFFFF;
    }

    private static float logitOf(long key) {
        int s = ~(int) (key >> 32);
        return Float.intBitsToFloat(s >= 0 ? s : s ^ 0x7FFFFFFF);
    }

    private static int idOf(long key) {
        return (int) key;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** splitmix64: tiny, fast, and fully specified, so a seed means the same thing everywhere. */
    private double nextDouble() {
        long z = (rngState += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
