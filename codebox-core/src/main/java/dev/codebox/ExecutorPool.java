package dev.codebox;

/**
 * Executors started ahead of time, handed over one at a time: {@link #acquire()} returns a started
 * executor at once when one is ready, instead of the seconds a container or a pod takes to start.
 * An executor is handed to one caller only, never back to the pool: the caller closes it, which
 * removes what it ran in. The pool refills itself in the background.
 *
 * <p>Implementations: {@code dev.codebox.docker.DockerPool}, {@code dev.codebox.kubernetes.KubernetesPool}.
 * Settings: {@link PoolSettings}.
 *
 * @param <E> the kind of executor
 */
public interface ExecutorPool<E extends CodeExecutor> extends AutoCloseable {

    /**
     * A started executor, owned by the caller from now on: a ready one that still answers, else one
     * started now (as slow as without a pool, never slower). With {@code maxSize} executors of the
     * pool in use, waits until one stops, at most {@code acquireTimeout} ({@link PoolSettings}).
     *
     * @throws CodeExecutorException when no executor can be started (the reason says why), or
     *     ({@code POOL_EXHAUSTED}) when the wait at {@code maxSize} ended
     * @throws IllegalStateException when the pool is closed
     */
    E acquire();

    /** How many started executors are waiting to be handed over. */
    int ready();

    /**
     * Stops refilling and removes the executors that are waiting, including those still starting.
     * Executors already handed over stay their callers'. Idempotent.
     */
    @Override
    void close();
}
