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
        boolean everyToken = params.topK() <= 0 || params.topK() >= vocab;
        if (everyToken && params.topP() >= 1f && params.minP() <= 0f) {
            return sampleEveryToken(logits);
        }
        // With every token a candidate, top-p and min-p are judged on the whole vocabulary's probabilities;
        // after a top-k cut, on the k kept (llama.cpp's chain renormalizes after each step).
        double mass = everyToken ? nucleusCandidates(logits) : 0;
        int n = everyToken ? candidateCount : sortCandidates(logits);
        if (params.topK() > 0) {
            n = Math.min(n, params.topK());
        }
        // Probabilities at temperature 1 decide top-p / min-p, as in llama.cpp's chain.
        softmaxSorted(n, 1f, mass);
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
        softmaxSorted(n, params.temperature(), 0);
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

    /**
     * No cut at all (top-k off, top-p 1, min-p 0: OpenAI's defaults): a draw from the softmax of the whole
     * vocabulary in one pass, without sorting 150k candidates for every token.
     */
    private int sampleEveryToken(float[] logits) {
        float max = maxLogit(logits);
        if (max == Float.NEGATIVE_INFINITY) {
            return argmax(logits);
        }
        float inverseT = 1f / params.temperature();
        double sum = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            float l = logits[i];
            float w = l > Float.NEGATIVE_INFINITY ? (float) Math.exp((l - max) * inverseT) : 0f; // NaN: not > -inf
            probs[i] = w;
            sum += w;
            if (w > 0) {
                last = i;
            }
        }
        double r = nextDouble() * sum;
        double cum = 0;
        for (int i = 0; i <= last; i++) {
            cum += probs[i];
            if (r < cum) {
                return i;
            }
        }
        return last;
    }

    /** The largest logit, NaN skipped (a comparison with NaN is false). */
    private float maxLogit(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            if (logits[i] > max) {
                max = logits[i];
            }
        }
        return max;
    }

    /** Candidates that {@link #nucleusCandidates} sorted into {@link #keyed}. */
    private int candidateCount;

    /** Buckets of the distance below the top logit (width {@link #BUCKET_WIDTH}); the last holds everything farther. */
    private static final int BUCKETS = 64;
    private static final float BUCKET_WIDTH = 0.25f;
    private final double[] bucketMass = new double[BUCKETS + 1];

    /**
     * Sorts into {@link #keyed} a prefix of the tokens by descending logit that surely holds the top-p nucleus
     * and the min-p set, found from a histogram of probability mass by distance below the top logit, so only
     * those candidates are sorted; all of them when the distribution is flat. Returns the whole vocabulary's
     * probability mass at temperature 1 (relative to the top token), which top-p and min-p are judged by.
     */
    private double nucleusCandidates(float[] logits) {
        float max = maxLogit(logits);
        java.util.Arrays.fill(bucketMass, 0);
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            float l = logits[i];
            if (!(l > Float.NEGATIVE_INFINITY)) {
                continue;
            }
            float d = max - l;
            double w = Math.exp(-d);
            total += w;
            bucketMass[d < BUCKETS * BUCKET_WIDTH ? (int) (d / BUCKET_WIDTH) : BUCKETS] += w;
        }
        // The nucleus is a prefix of the sorted tokens: every bucket before the one where the mass reaches top-p
        // is inside it, and it ends within that bucket.
        float limit = Float.POSITIVE_INFINITY;
        if (params.topP() < 1f) {
            double target = params.topP() * total;
            double cum = 0;
            for (int k = 0; k < BUCKETS; k++) {
                cum += bucketMass[k];
                if (cum >= target) {
                    limit = (k + 1) * BUCKET_WIDTH;
                    break;
                }
            }
        }
        // min-p keeps tokens with probability ≥ minP × the top one's: a distance of at most -ln(minP).
        float minPLimit = params.minP() > 0f ? (float) -Math.log(params.minP()) : Float.POSITIVE_INFINITY;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float l = logits[i];
            if (!(l > Float.NEGATIVE_INFINITY)) {
                continue;
            }
            float d = max - l;
            if (d < limit && d <= minPLimit + 1e-6f) {
                keyed[n++] = ((long) ~orderedBits(l) << 32) | i;
            }
        }
        Arrays.sort(keyed, 0, n);
        candidateCount = n;
        return total;
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

    /**
     * Probabilities of the first {@code n} sorted candidates at {@code temperature}, normalized over them, or
     * over {@code mass} (the sum of {@code exp(l - max)} over a larger set) when it is positive.
     */
    private void softmaxSorted(int n, float temperature, double mass) {
        float max = logitOf(keyed[0]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logitOf(keyed[i]) - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        if (mass > 0) {
            sum = mass;
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
