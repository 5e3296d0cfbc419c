package dev.caravel.engine.batch;

/**
 * A snapshot of a scheduler's load and totals since it started.
 *
 * @param slots            sequences that can run at once
 * @param active           jobs running now
 * @param queued           jobs waiting for a slot
 * @param completed        jobs finished (any finish reason)
 * @param failed           jobs ended by an error
 * @param promptTokens     prompt tokens evaluated (cached prefixes not counted)
 * @param reusedTokens     prompt tokens served from cached prefixes
 * @param generatedTokens  tokens generated
 * @param steps            batched forward passes
 * @param busyNanos        time spent in forward passes and sampling
 */
public record SchedulerStats(int slots, int active, int queued, long completed, long failed, long promptTokens,
                             long reusedTokens, long generatedTokens, long steps, long busyNanos) {
}
