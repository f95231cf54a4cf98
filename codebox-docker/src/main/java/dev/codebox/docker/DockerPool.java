package dev.codebox.docker;

import dev.codebox.CodeExecutorException;
import dev.codebox.ExecutorPool;
import dev.codebox.PoolSettings;
import dev.codebox.docker.internal.RunnerContainer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker containers started ahead of time from one {@link DockerExecutorConfig template}, each
 * handed over as a started {@link DockerCommandLineExecutor} of its own (its own container and work
 * dir). A container is used by one executor only: closing the executor removes it, and the pool
 * starts another in the background.
 *
 * <p>Before a ready container is handed over its runner must answer a probe (the health check);
 * one that does not (stopped, killed, removed behind the pool's back) is removed and the next one
 * tried. When none is ready, {@link #acquire()} starts a container as a plain executor would.
 * A container that cannot start is logged and retried after 5 seconds; {@code acquire()} then
 * throws the executor's own {@link CodeExecutorException}.
 *
 * <p>Waiting containers carry codebox's labels like every executor's, so that
 * {@code codebox docker prune} removes them after a crash; a JVM shutdown hook closes a pool that
 * is still open at exit.
 */
public final class DockerPool implements ExecutorPool<DockerCommandLineExecutor> {

    private static final Logger LOG = LoggerFactory.getLogger(DockerPool.class);
    private static final long RETRY_MILLIS = 5000;

    private final DockerExecutorConfig template;
    private final PoolSettings settings;
    private final ScheduledExecutorService workers;
    private final Thread shutdownHook;
    private final Deque<RunnerContainer> ready = new ArrayDeque<>();
    private int starting;
    private long lastAcquire = System.nanoTime();
    private boolean idle;
    private boolean retryScheduled;
    private boolean closed;

    private DockerPool(DockerExecutorConfig template, PoolSettings settings) {
        this.template = template;
        this.settings = settings;
        this.workers = Executors.newScheduledThreadPool(settings.maxStarting() + 1, runnable -> {
            Thread thread = new Thread(runnable, "codebox-docker-pool");
            thread.setDaemon(true);
            return thread;
        });
        this.shutdownHook = new Thread(this::close, "codebox-docker-pool-shutdown");
    }

    /**
     * A pool that starts filling at once.
     *
     * @param template the configuration of every container; it must not name a work dir or a
     *     container name, which each container needs of its own
     * @throws IllegalArgumentException when the template names a work dir or a container
     */
    public static DockerPool create(DockerExecutorConfig template, PoolSettings settings) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(settings, "settings");
        if (template.workDir().isPresent()) {
            throw new IllegalArgumentException("a pooled container needs a work dir of its own: leave workDir unset in the template");
        }
        if (template.containerName().isPresent()) {
            throw new IllegalArgumentException("a pooled container needs a name of its own: leave containerName unset in the template");
        }
        DockerPool pool = new DockerPool(template, settings);
        Runtime.getRuntime().addShutdownHook(pool.shutdownHook);
        long check = Math.max(1000, settings.idleTimeout().toMillis() / 4);
        pool.workers.scheduleWithFixedDelay(pool::checkIdle, check, check, TimeUnit.MILLISECONDS);
        pool.refill();
        return pool;
    }

    /** The template every container is created from. */
    public DockerExecutorConfig template() {
        return template;
    }

    public PoolSettings settings() {
        return settings;
    }

    @Override
    public DockerCommandLineExecutor acquire() {
        while (true) {
            RunnerContainer container;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the pool is closed");
                }
                lastAcquire = System.nanoTime();
                idle = false;
                container = ready.pollFirst();
            }
            refill();
            if (container == null) {
                DockerCommandLineExecutor executor = new DockerCommandLineExecutor(template);
                executor.start();
                return executor;
            }
            if (container.answers()) {
                DockerCommandLineExecutor executor = new DockerCommandLineExecutor(template, container);
                executor.start();
                return executor;
            }
            LOG.info("removing pooled container {}: its runner does not answer", container.name());
            closeQuietly(container);
        }
    }

    @Override
    public synchronized int ready() {
        return ready.size();
    }

    /** Starts containers until {@code minReady} are ready or starting, {@code maxStarting} at a time. */
    private void refill() {
        synchronized (this) {
            while (!closed && !idle && !retryScheduled && ready.size() + starting < settings.minReady()
                    && starting < settings.maxStarting()) {
                starting++;
                workers.execute(this::startOne);
            }
        }
    }

    private void startOne() {
        RunnerContainer container = null;
        try {
            container = RunnerContainer.start(template);
        } catch (RuntimeException e) {
            LOG.warn("could not start a pooled container (retrying in {} s): {}", RETRY_MILLIS / 1000, e.getMessage());
        }
        boolean keep;
        synchronized (this) {
            starting--;
            keep = container != null && !closed && !idle;
            if (keep) {
                ready.addLast(container);
            } else if (container == null && !closed && !retryScheduled) {
                retryScheduled = true;
                workers.schedule(this::retry, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        if (container != null && !keep) {
            closeQuietly(container);
        }
        refill();
    }

    private void retry() {
        synchronized (this) {
            retryScheduled = false;
        }
        refill();
    }

    /** Removes the waiting containers once nobody acquired one for {@code idleTimeout}. */
    private void checkIdle() {
        Deque<RunnerContainer> removed;
        synchronized (this) {
            if (closed || idle || System.nanoTime() - lastAcquire < settings.idleTimeout().toNanos()) {
                return;
            }
            idle = true;
            removed = new ArrayDeque<>(ready);
            ready.clear();
        }
        if (!removed.isEmpty()) {
            LOG.info("removing {} pooled containers: none was acquired for {}", removed.size(), settings.idleTimeout());
        }
        removed.forEach(DockerPool::closeQuietly);
    }

    @Override
    public void close() {
        Deque<RunnerContainer> removed;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            removed = new ArrayDeque<>(ready);
            ready.clear();
        }
        removed.forEach(DockerPool::closeQuietly);
        workers.shutdown();
        try {
            // Containers still starting are removed by their task, which sees the pool closed.
            if (!workers.awaitTermination(template.startTimeout().toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("pooled containers still starting after the start timeout; they are removed when they come up");
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

    private static void closeQuietly(RunnerContainer container) {
        try {
            container.close();
        } catch (RuntimeException e) {
            LOG.warn("could not remove pooled container {}: {}", container.name(), e.getMessage());
        }
    }

    @Override
    public synchronized String toString() {
        return "DockerPool[image=" + template.image() + ", ready=" + ready.size() + ", starting=" + starting
                + ", " + settings + (closed ? ", closed" : "") + "]";
    }
}
