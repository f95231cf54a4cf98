package dev.codebox.docker;

import dev.codebox.CodeExecutorException;
import dev.codebox.WorkDirCopies;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.RunnerContainer;
import dev.codebox.runner.internal.ResidentRunner;
import dev.codebox.spi.CommandLineExecutor;
import dev.codebox.spi.Runner;
import java.io.IOException;
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
 * pulls the image when missing, removes a container of the same name, creates the container and
 * waits until codebox's runner answers in it; {@link #stop()} removes the container (see
 * {@code autoRemove}), and a JVM shutdown hook stops a started executor at exit (see
 * {@code stopContainerOnExit}). Containers carry {@link DockerEngine#labels(String) codebox's
 * labels}; those left by a crashed program are removed by {@link DockerEngine#prune}
 * ({@code codebox docker prune}).
 *
 * <p><b>Any engine.</b> Every request travels over one multiplexed stream to the runner: a Unix
 * socket in the bind-mounted work dir, or the container's attach stream through the Engine API
 * ({@link RunnerTransport}); {@code /workspace} is the bind-mounted host work dir or a tmpfs of the
 * container mirrored into the host work dir ({@link WorkDirMode}). With the defaults a local engine
 * gets the socket and the bind mount, and any engine that does not share the work dir (remote, a VM)
 * the attach stream and the copy; {@link #transport()} and {@link #workDirMode()} say which.
 * {@link #copyIn} and {@link #copyOut} move other files in either mode.
 *
 * <p><b>How blocks run.</b> The container's main process is a small Python program, the runner.
 * Each stream proves a per-container secret both ways, and the JVM checks a socket with
 * {@code lstat} before it connects. Code files are written, deleted, listed and copied by the
 * runner inside the container, never through a path on the host that code could redirect with a
 * symbolic link. For each block the runner starts the interpreter as the leader of a new session
 * (or forks it from a warm interpreter), streams its output back and reports its exit code. A
 * timeout or a cancellation kills the whole session inside the container; the container keeps
 * working. Concurrent {@code execute} calls run in parallel. A block killed for exceeding the
 * memory limit ends with exit code 137 and a line saying so.
 *
 * <p><b>Faults.</b> When the container was stopped, killed or removed behind the executor's back, a
 * block running at that moment ends with exit code 1 and a line saying what happened, and the next
 * block starts the container again (or creates it again) first: files in a bind-mounted or mirrored
 * work dir survive, processes and other files in the container do not. When that fails (the engine
 * is gone), or the runner broke the protocol, {@code execute} throws {@link CodeExecutorException}.
 */
public final class DockerCommandLineExecutor extends CommandLineExecutor implements WorkDirCopies {

    private final DockerExecutorConfig config;
    private volatile RunnerContainer container;
    private volatile ResidentRunner runner;
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

    /**
     * The transport in use (never {@code AUTO}); the executor must be started.
     *
     * @throws IllegalStateException when it is not started
     */
    public RunnerTransport transport() {
        return started().transport();
    }

    /**
     * The work dir mode in use (never {@code AUTO}); the executor must be started.
     *
     * @throws IllegalStateException when it is not started
     */
    public WorkDirMode workDirMode() {
        return started().workDirMode();
    }

    /**
     * Whether the started executor's container works in a copied work dir ({@link WorkDirMode#COPY});
     * false before start (a start in progress is waited for).
     */
    @Override
    public boolean copiesWorkDir() {
        if (!isStarted()) { // first: it waits for a start in progress, which sets the container
            return false;
        }
        RunnerContainer current = container;
        return current != null && current.workDirMode() == WorkDirMode.COPY;
    }

    /**
     * Copies the host file {@code hostPath} into the container's work dir, in either work dir mode:
     * the runner writes it inside the container (never through a link code planted there),
     * replacing the file at once, with the owner's execute bit of the source.
     *
     * @param containerPath a path in {@value DockerExecutorConfig#CONTAINER_WORK_DIR}, absolute or
     *     relative to it; missing directories are created
     * @throws IllegalArgumentException when {@code containerPath} is not inside the work dir
     * @throws IOException when {@code hostPath} cannot be read, or the name leads out of the work dir
     *     through a link, or the container cannot be written
     * @throws IllegalStateException when the executor is not started
     */
    @Override
    public void copyIn(Path hostPath, String containerPath) throws IOException {
        runner().copyIn(hostPath, containerPath, DockerExecutorConfig.CONTAINER_WORK_DIR);
    }

    /**
     * Copies a regular file of the container's work dir to {@code hostPath}, in either work dir
     * mode: into a temporary file beside it, then moved over it (a link at {@code hostPath} is
     * replaced, never followed). Links in the container are not followed either.
     *
     * @param containerPath a path in {@value DockerExecutorConfig#CONTAINER_WORK_DIR}, absolute or relative to it
     * @throws IllegalArgumentException when {@code containerPath} is not inside the work dir
     * @throws java.nio.file.NoSuchFileException when it is not a regular file of the work dir (missing,
     *     a link, a directory, a device)
     * @throws IOException when copying fails
     * @throws IllegalStateException when the executor is not started
     */
    @Override
    public void copyOut(String containerPath, Path hostPath, long maxBytes) throws IOException {
        runner().copyOut(containerPath, hostPath, DockerExecutorConfig.CONTAINER_WORK_DIR, maxBytes);
    }

    private ResidentRunner runner() {
        started();
        return runner;
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
        runner = new ResidentRunner(started, config.stopContainerOnExit(), config.image(), config.memoryBytes());
        return runner;
    }

    @Override
    public String toString() {
        RunnerContainer current = container;
        return "DockerCommandLineExecutor[" + config.image() + (isStarted() && current != null ? ", " + current.name() : ", not started") + "]";
    }
}
