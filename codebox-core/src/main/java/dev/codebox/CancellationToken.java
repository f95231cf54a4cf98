package dev.codebox;

import java.util.ArrayList;
import java.util.List;

/**
 * Cancels a running execution from any thread, at any moment: before it starts, while a block
 * runs, or between blocks. A cancelled execution stops the running code (its whole process tree,
 * or interrupts the kernel) and returns a result with exit code {@link CodeResult#EXIT_CANCELLED}.
 *
 * <p>A token is cancelled at most once and stays cancelled; it may be shared by several executions.
 * All methods are thread-safe.
 */
public final class CancellationToken {

    private final List<Runnable> callbacks = new ArrayList<>();
    private volatile boolean cancelled;

    /** A new token that is not cancelled. */
    public CancellationToken() {
    }

    /** Cancels the executions using this token and runs the registered callbacks once. */
    public void cancel() {
        List<Runnable> toRun;
        synchronized (callbacks) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = List.copyOf(callbacks);
            callbacks.clear();
        }
        RuntimeException failure = null;
        for (Runnable callback : toRun) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether {@link #cancel()} has been called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Runs {@code callback} when the token is cancelled, or at once in this thread if it already is.
     * Executors use this to stop running code; the returned registration removes the callback.
     *
     * @return a registration whose {@code close()} unregisters the callback (does not throw)
     */
    public Registration onCancel(Runnable callback) {
        synchronized (callbacks) {
            if (!cancelled) {
                callbacks.add(callback);
                return () -> {
                    synchronized (callbacks) {
                        callbacks.remove(callback);
                    }
                };
            }
        }
        callback.run();
        return () -> { };
    }

    /** A callback registration; closing it unregisters the callback. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
