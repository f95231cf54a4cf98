package dev.codebox.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Runs an operation on several threads at once and measures the rate of the whole. */
final class Parallel implements AutoCloseable {

    private final int threads;
    private final ExecutorService pool;

    Parallel(int threads) {
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads);
    }

    /**
     * Runs {@code perThread} operations on each thread, all threads starting together.
     *
     * @param operationOfThread the operation thread {@code i} runs
     * @return operations per second over the whole run
     */
    double rate(int perThread, IntFunction<Interleaved.Operation> operationOfThread) throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Void>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Interleaved.Operation operation = operationOfThread.apply(t);
            Callable<Void> task = () -> {
                ready.countDown();
                go.await();
                for (int i = 0; i < perThread; i++) {
                    operation.run();
                }
                return null;
            };
            futures.add(pool.submit(task));
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        for (Future<Void> future : futures) {
            future.get();
        }
        long elapsed = System.nanoTime() - start;
        return threads * (double) perThread / (elapsed / 1e9);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
