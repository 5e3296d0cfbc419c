package dev.caravel.tensor.parallel;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {
    @Test
    void everyWorkerRunsOncePerDispatch() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray counts = new AtomicIntegerArray(3);
            for (int i = 0; i < 10_000; i++) {
                pool.run((w, n) -> {
                    assertThat(n).isEqualTo(3);
                    counts.incrementAndGet(w);
                });
            }
            for (int w = 0; w < 3; w++) {
                assertThat(counts.get(w)).isEqualTo(10_000);
            }
        }
    }

    @Test
    void runEachComputesEveryItemOnce() {
        for (int threads : new int[]{1, 3}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int count : new int[]{0, 1, 2, 7, 1000}) {
                    AtomicIntegerArray times = new AtomicIntegerArray(Math.max(count, 1));
                    AtomicIntegerArray workers = new AtomicIntegerArray(threads);
                    pool.runEach(count, (item, worker) -> {
                        times.incrementAndGet(item);
                        workers.incrementAndGet(worker);
                    });
                    for (int i = 0; i < count; i++) {
                        assertThat(times.get(i)).as("%d threads, item %d of %d", threads, i, count).isEqualTo(1);
                    }
                    int total = 0;
                    for (int w = 0; w < threads; w++) {
                        total += workers.get(w);
                    }
                    assertThat(total).isEqualTo(count);
                }
            }
        }
    }

    @Test
    void resultsWrittenByWorkersAreVisibleAfterRun() {
        try (WorkerPool pool = new WorkerPool(2)) {
            int[] data = new int[2];
            for (int i = 0; i < 1000; i++) {
                int v = i;
                pool.run((w, n) -> data[w] = v);
                assertThat(data).containsExactly(i, i);
            }
        }
    }

    @Test
    void workerFailureSurfacesOnTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.run((w, n) -> {
                if (w == 1) {
                    throw new IllegalStateException("boom");
                }
            })).hasMessageContaining("boom");
            int[] ok = new int[2];
            pool.run((w, n) -> ok[w] = 1);
            assertThat(ok).containsExactly(1, 1);
        }
    }

    @Test
    void singleThreadPoolRunsOnCaller() {
        WorkerPool pool = new WorkerPool(1);
        Thread[] seen = new Thread[1];
        pool.run((w, n) -> seen[0] = Thread.currentThread());
        assertThat(seen[0]).isSameAs(Thread.currentThread());
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
