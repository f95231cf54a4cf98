package dev.codebox.docker;

import dev.codebox.CodeExecutorException;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.DockerRunner;
import dev.codebox.docker.internal.RunnerContainer;
import dev.codebox.spi.CommandLineExecutor;
import dev.codebox.spi.Runner;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Runs code blocks in a Docker container: python, bash, sh and PowerShell blocks (those the image
 * has), with the timeout, output cap and conventions of {@link CommandLineExecutor}. The Java
 * counterpart of AutoGen's {@code DockerCommandLineCodeExecutor}, with hardened defaults: no
 * network, memory, CPU and process limits, no capabilities, no new privileges, and not root (see
 * {@link DockerExecutorConfig}).
 *
 * <p><b>Lifecycle.</b> {@link #start()} connects to the engine ({@link DockerEngine#connect()}),
 * pulls the image when missing, removes a container of the same name, creates the container with
 * the work dir mounted at {@code /workspace} and waits until codebox's runner answers in it;
 * {@link #stop()} removes the container (see {@code autoRemove}), and a JVM shutdown hook stops a
 * started executor at exit (see {@code stopContainerOnExit}). Containers carry
 * {@link DockerEngine#labels(String) codebox's labels}; those left by a crashed program are removed
 * by {@link DockerEngine#prune} ({@code codebox docker prune}).
 *
 * <p><b>How blocks run.</b> The container's main process is a small Python program, the runner,
 * listening on a Unix socket in the work dir (mode 0600; each connection proves a per-container
 * secret, and the JVM checks the socket with {@code lstat} before it connects). Code files are
 * written, deleted and listed by the runner inside the container, never through a path on the
 * host that code could redirect with a symbolic link. Each block is one connection: the runner starts the
 * interpreter as the leader of a new session, streams its output back and reports its exit code.
 * A timeout or a cancellation kills the whole session inside the container; the container keeps
 * working. Concurrent {@code execute} calls run in parallel. A block killed for exceeding the
 * memory limit ends with exit code 137 and a line saying so.
 *
 * <p><b>Faults.</b> When the container was stopped, killed or removed behind the executor's back, a
 * block running at that moment ends with exit code 1 and a line saying what happened, and the next
 * block starts the container again (or creates it again) first: files in the work dir survive,
 * processes and files elsewhere in the container do not. When that fails (the engine is gone),
 * {@code execute} throws {@link CodeExecutorException}.
 */
public final class DockerCommandLineExecutor extends CommandLineExecutor {

    private final DockerExecutorConfig config;
    private volatile RunnerContainer container;
    /** A container started by a {@link DockerPool}, used by the first start instead of a new one. */
    private RunnerContainer adopted;

    /** An executor with {@link DockerExecutorConfig#defaults()}. */
    public DockerCommandLineExecutor() {
        this(DockerExecutorConfig.defaults());
    }

    /** An executor with the given configuration; nothing happens until it starts. */
    public DockerCommandLineExecutor(DockerExecutorConfig config) {
        super(config.timeout(), config.maxOutputBytes(), config.deleteCodeFiles(), config.functions());
        this.config = Objects.requireNonNull(config, "config");
    }

    /** An executor whose first start takes {@code adopted}, a container its pool started. */
    DockerCommandLineExecutor(DockerExecutorConfig config, RunnerContainer adopted) {
        this(config);
        this.adopted = Objects.requireNonNull(adopted, "adopted");
    }

    /** This executor's configuration. */
    public DockerExecutorConfig config() {
        return config;
    }

    /** The host work dir in use; the executor must be started. */
    public Path workDir() {
        return startedWorkDir();
    }

    /**
     * The name of the running container; the executor must be started.
     *
     * @throws IllegalStateException when it is not started
     */
    public String containerName() {
        return started().name();
    }

    /**
     * The id of the running container (a new one after the container had to be created again).
     *
     * @throws IllegalStateException when it is not started
     */
    public String containerId() {
        return started().id();
    }

    private RunnerContainer started() {
        RunnerContainer current = container;
        if (current == null || !isStarted()) {
            throw new IllegalStateException("executor is not started");
        }
        return current;
    }

    /**
     * @throws CodeExecutorException when the engine is not reachable, the image cannot be pulled,
     *     or the container does not come up (with its logs)
     */
    @Override
    protected Runner openRunner() {
        RunnerContainer started = adopted != null ? adopted : RunnerContainer.start(config);
        adopted = null;
        container = started;
        return new DockerRunner(started, config);
    }

    @Override
    public String toString() {
        RunnerContainer current = container;
        return "DockerCommandLineExecutor[" + config.image() + (isStarted() && current != null ? ", " + current.name() : ", not started") + "]";
    }
}
