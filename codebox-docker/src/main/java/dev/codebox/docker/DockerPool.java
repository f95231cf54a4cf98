package dev.codebox.docker;

import dev.codebox.ExecutorPool;
import dev.codebox.PoolSettings;
import dev.codebox.docker.internal.RunnerContainer;
import dev.codebox.runner.internal.WarmPool;
import java.util.Objects;

/**
 * Docker containers started ahead of time from one {@link DockerExecutorConfig template}, each
 * handed over as a started {@link DockerCommandLineExecutor} of its own (its own container and work
 * dir). A container is used by one executor only: closing the executor removes it, and the pool
 * starts another in the background.
 *
 * <p>Before a ready container is handed over its runner must answer a probe (the health check);
 * one that does not (stopped, killed, removed behind the pool's back) is removed and the next one
 * tried. When none is ready, {@link #acquire()} starts a container as a plain executor would. With
 * {@code maxSize} containers of the pool in use, {@code acquire()} waits for one to be removed
 * ({@link PoolSettings}). A container that cannot start is logged and retried after 5 seconds;
 * {@code acquire()} then throws the executor's own {@link dev.codebox.CodeExecutorException}.
 *
 * <p>Waiting containers carry codebox's labels like every executor's, so that
 * {@code codebox docker prune} removes them after a crash; a JVM shutdown hook closes a pool that
 * is still open at exit.
 */
public final class DockerPool implements ExecutorPool<DockerCommandLineExecutor> {

    private final DockerExecutorConfig template;
    private final PoolSettings settings;
    private final WarmPool<RunnerContainer> containers;

    private DockerPool(DockerExecutorConfig template, PoolSettings settings) {
        this.template = template;
        this.settings = settings;
        this.containers = new WarmPool<>("container", settings, () -> RunnerContainer.start(template), template.startTimeout());
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
        return new DockerPool(template, settings);
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
        DockerCommandLineExecutor executor = new DockerCommandLineExecutor(template, containers.take());
        executor.start();
        return executor;
    }

    @Override
    public int ready() {
        return containers.ready();
    }

    @Override
    public void close() {
        containers.close();
    }

    @Override
    public String toString() {
        return "DockerPool[image=" + template.image() + ", " + containers + "]";
    }
}
