package dev.codebox.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/** How executors take their lock to stop: cancelling whatever holds it until they have it. Not meant for applications. */
public final class Locks {

    private static final long CANCEL_RETRY_MILLIS = 10;

    private Locks() {
    }

    /**
     * Runs {@code cancel}, then takes {@code lock}, running {@code cancel} again every
     * {@value #CANCEL_RETRY_MILLIS} ms while it is held: an execution that took the lock, or
     * registered itself, after the first cancellation is cancelled too instead of running to its end.
     */
    public static void lockCancelling(Lock lock, Runnable cancel) {
        cancel.run();
        try {
            while (!lock.tryLock(CANCEL_RETRY_MILLIS, TimeUnit.MILLISECONDS)) {
                cancel.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lock.lock();
        }
    }
}
