package dev.codebox.runner.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a stream or connection at a deadline unless {@link #close() cancelled} first, and tells
 * afterwards whether it did: a wait that the close woke up ended because it was too late. The flag
 * is set before the close, so the woken waiter always sees it (a timer task's {@code isDone} is
 * not yet true then).
 */
final class CloseAtDeadline implements AutoCloseable {

    private final AtomicBoolean passed = new AtomicBoolean();
    private final ScheduledFuture<?> task;

    CloseAtDeadline(ScheduledExecutorService timer, long millis, Runnable close) {
        task = timer.schedule(() -> {
            passed.set(true);
            close.run();
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Whether the deadline passed and the close ran (or runs now). */
    boolean passed() {
        return passed.get();
    }

    /** Cancels the close if it has not come yet. */
    @Override
    public void close() {
        task.cancel(false);
    }
}
