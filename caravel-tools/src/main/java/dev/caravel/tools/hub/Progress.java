package dev.caravel.tools.hub;

import java.time.Duration;

/** What a download reports as it goes; {@link ProgressBar} draws it on a terminal. */
public interface Progress {
    /** The transfer of {@code label} starts ({@code total} bytes, -1 if unknown), already holding {@code resumedFrom}. */
    void start(String label, long total, long resumedFrom);

    /** {@code done} bytes are on disk. */
    void update(long done);

    /** Attempt {@code attempt} of {@code attempts} failed for {@code reason}; the next starts after {@code wait}. */
    void retry(int attempt, int attempts, String reason, Duration wait);

    /** The transfer ended (successfully or not); a bar gives its line back. */
    void finish(boolean ok);

    Progress NONE = new Progress() {
        @Override
        public void start(String label, long total, long resumedFrom) {
        }

        @Override
        public void update(long done) {
        }

        @Override
        public void retry(int attempt, int attempts, String reason, Duration wait) {
        }

        @Override
        public void finish(boolean ok) {
        }
    };
}
