package dev.codebox.runner.internal;

import dev.codebox.CodeExecutorException;
import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.PoolSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runner hosts (containers, pods) started ahead of time, for the pools of the container backends.
 * {@link #take()} hands over a ready host whose runner still answers (one that does not is closed
 * and the next tried), and the pool starts another in the background: {@code minReady} kept ready
 * or starting, {@code maxStarting} at a time, never more than {@code maxSize} ready, starting and
 * handed out (until closed) together. A host that cannot start is logged and retried after
 * {@value #RETRY_MILLIS} ms. After {@code idleTimeout} without a take (counted from the last take, or
 * from when the last host became ready, if later; never while one starts) the ready hosts are
 * closed, and the pool refills at the next take. A JVM shutdown hook closes a pool still open at exit.
 *
 * @param <H> the kind of host
 */
public final class WarmPool<H extends RunnerHost> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);
    private static final long RETRY_MILLIS = 5000;

    private final String what;
    private final PoolSettings settings;
    private final Supplier<H> starter;
    private final Duration startTimeout;
    private final ScheduledExecutorService workers;
    private final Thread shutdownHook;
    private final Deque<H> ready = new ArrayDeque<>();
    private int starting;
    /** Hosts handed out and not yet closed, and takes starting one in the caller's thread. */
    private int inUse;
    private long lastTake = System.nanoTime();
    /** When the last host became ready (System.nanoTime). */
    private long lastReady = lastTake;
    private boolean idle;
    private boolean retryScheduled;
    private boolean closed;

    /**
     * A pool that starts filling at once.
     *
     * @param what "container" or "pod", for logs and thread names
     * @param starter starts one host, or throws
     * @param startTimeout how long a start may take, for {@link #close()} to wait on
     */
    public WarmPool(String what, PoolSettings settings, Supplier<H> starter, Duration startTimeout) {
        this.what = what;
        this.settings = settings;
        this.starter = starter;
        this.startTimeout = startTimeout;
        this.workers = Executors.newScheduledThreadPool(settings.maxStarting() + 1, runnable -> {
            Thread thread = new Thread(runnable, "codebox-" + what + "-pool");
            thread.setDaemon(true);
            return thread;
        });
        this.shutdownHook = new Thread(this::close, "codebox-" + what + "-pool-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long check = Math.max(1000, settings.idleTimeout().toMillis() / 4);
        workers.scheduleWithFixedDelay(this::checkIdle, check, check, TimeUnit.MILLISECONDS);
        refill();
    }

    /**
     * A host of the pool, now the caller's: a ready one whose runner answers (one that does not is
     * closed and the next tried), else one started now in the calling thread. With {@code maxSize}
     * reached, waits until a ready host comes or a host handed out earlier closes, at most
     * {@code acquireTimeout}.
     *
     * @throws CodeExecutorException ({@code POOL_EXHAUSTED}) when the wait ends without a host, or
     *     the exception of a start that failed
     * @throws IllegalStateException when the pool is closed
     */
    public H take() {
        long deadline = System.nanoTime() + settings.acquireTimeout().toNanos();
        while (true) {
            H host;
            synchronized (this) {
                while (true) {
                    if (closed) {
                        throw new IllegalStateException("the pool is closed");
                    }
                    lastTake = System.nanoTime();
                    idle = false;
                    host = ready.pollFirst();
                    if (host != null || settings.maxSize() == 0 || starting + inUse < settings.maxSize()) {
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new CodeExecutorException(Reason.POOL_EXHAUSTED, "the pool has its maxSize of "
                                + settings.maxSize() + " " + what + "s in use; none was stopped within "
                                + settings.acquireTimeout().toSeconds() + " s");
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CodeExecutorException(Reason.INTERRUPTED, "interrupted while waiting for a pooled " + what);
                    }
                }
                inUse++;
            }
            if (host == null) {
                return startHere();
            }
            refill();
            if (host.answers()) {
                host.whenClosed(this::released);
                return host;
            }
            LOG.info("closing pooled {} {}: its runner does not answer", what, host.name());
            released();
            closeQuietly(host);
        }
    }

    /** Starts a host in the calling thread for a take that found none ready (its slot is counted). */
    private H startHere() {
        refill();
        H host;
        try {
            host = starter.get();
        } catch (RuntimeException | Error e) {
            released();
            throw e;
        }
        host.whenClosed(this::released);
        return host;
    }

    /** A host handed out (or about to be) is closed: its slot is free again. */
    private void released() {
        synchronized (this) {
            inUse--;
            notifyAll();
        }
        refill();
    }

    /** How many hosts are ready. */
    public synchronized int ready() {
        return ready.size();
    }

    /** How many hosts are starting. */
    public synchronized int starting() {
        return starting;
    }

    private void refill() {
        synchronized (this) {
            while (!closed && !idle && !retryScheduled && ready.size() + starting < settings.minReady()
                    && starting < settings.maxStarting()
                    && (settings.maxSize() == 0 || ready.size() + starting + inUse < settings.maxSize())) {
                starting++;
                workers.execute(this::startOne);
            }
        }
    }

    private void startOne() {
        H host = null;
        try {
            host = starter.get();
        } catch (RuntimeException e) {
            LOG.warn("could not start a pooled {} (retrying in {} s): {}", what, RETRY_MILLIS / 1000, e.getMessage());
        } finally {
            started(host); // also after an Error, or the start would count for ever
        }
    }

    /** Takes a started host ({@code null}: the start failed) into the pool, or closes it. */
    private void started(H host) {
        boolean keep;
        synchronized (this) {
            starting--;
            keep = host != null && !closed && !idle;
            if (keep) {
                lastReady = System.nanoTime();
                ready.addLast(host);
                notifyAll();
            } else if (host == null && !closed && !retryScheduled) {
                retryScheduled = true;
                workers.schedule(this::retry, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        if (host != null && !keep) {
            closeQuietly(host);
        }
        refill();
    }

    private void retry() {
        synchronized (this) {
            retryScheduled = false;
        }
        refill();
    }

    private void checkIdle() {
        Deque<H> removed;
        synchronized (this) {
            // A host that became ready after the last take waits its full idleTimeout too: under load
            // a start can take longer than idleTimeout, and its host would be closed at once.
            long since = lastReady - lastTake > 0 ? lastReady : lastTake;
            if (closed || idle || starting > 0 || System.nanoTime() - since < settings.idleTimeout().toNanos()) {
                return;
            }
            idle = true;
            removed = new ArrayDeque<>(ready);
            ready.clear();
        }
        if (!removed.isEmpty()) {
            LOG.info("closing {} pooled {}s: none was taken for {}", removed.size(), what, settings.idleTimeout());
        }
        removed.forEach(this::closeQuietly);
    }

    /** Closes the ready hosts and waits for those starting, which close themselves. Idempotent. */
    @Override
    public void close() {
        Deque<H> removed;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            removed = new ArrayDeque<>(ready);
            ready.clear();
            notifyAll();
        }
        removed.forEach(this::closeQuietly);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(startTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("pooled {}s still starting after the start timeout; they are closed when they come up", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException exiting) {
                // The JVM is shutting down: the hook runs, and finds the pool closed.
            }
        }
    }

    private void closeQuietly(H host) {
        try {
            host.close();
        } catch (RuntimeException e) {
            LOG.warn("could not close pooled {} {}: {}", what, host.name(), e.getMessage());
        }
    }

    @Override
    public synchronized String toString() {
        return "ready=" + ready.size() + ", starting=" + starting + ", in use=" + inUse + ", " + settings + (closed ? ", closed" : "");
    }
}
