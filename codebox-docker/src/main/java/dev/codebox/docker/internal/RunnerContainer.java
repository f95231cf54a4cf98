package dev.codebox.docker.internal;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.codebox.CodeExecutorException;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.internal.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container of one started Docker executor and the runner inside it: creation, the wait until
 * the runner answers, recovery when the container was stopped or removed behind codebox's back, and
 * removal. Connections to the runner are opened through {@link #connect()}.
 */
public final class RunnerContainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerContainer.class);
    /** How long a container that lost its runner may take to show as stopped or removed. */
    private static final long SETTLE_MILLIS = 2000;
    /** How long the runner may take to say hello on a new connection. */
    private static final long HANDSHAKE_MILLIS = 5000;
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "codebox-docker-timer");
        thread.setDaemon(true);
        return thread;
    });

    private final ManagedContainer container;
    private final DockerExecutorConfig config;
    private final String name;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Path socket;
    private final Optional<Path> socketDir;
    private final RunnerSecret secret;
    /** The name of the file written next to the socket before each creation, for the container to find. */
    private final String sharedMarker;
    /** The socket's owner when the runner first proved itself; a socket of another owner is refused. */
    private volatile Optional<Integer> socketOwner;
    /** Set when the runner stopped answering in the middle of a conversation: check the container before talking. */
    private volatile boolean suspect;
    private volatile Map<String, String> interpreters = Map.of();

    private RunnerContainer(ManagedContainer container, DockerExecutorConfig config, Path workDir,
            boolean ownsWorkDir, Path socket, Optional<Path> socketDir, RunnerSecret secret,
            Optional<Integer> socketOwner, String sharedMarker) {
        this.container = container;
        this.config = config;
        this.name = container.name();
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.socket = socket;
        this.socketDir = socketDir;
        this.secret = secret;
        this.socketOwner = socketOwner;
        this.sharedMarker = sharedMarker;
    }

    /**
     * Creates the work dir, connects to the engine, pulls the image when missing, replaces a
     * container of the same name, and starts the container until its runner answers. Whatever was
     * created is removed again when this fails.
     *
     * @throws CodeExecutorException when any step fails, with the reason (and the container's logs)
     */
    public static RunnerContainer start(DockerExecutorConfig config) {
        boolean ownsWorkDir = config.workDir().isEmpty();
        Path workDir = ownsWorkDir ? TempDirs.create() : createWorkDir(config.workDir().get());
        // With a tmpfs work dir the host work dir is not mounted; the socket gets a directory of its own.
        Optional<Path> socketDir = config.workDirBytes() > 0 ? Optional.of(TempDirs.create()) : Optional.empty();
        ManagedContainer managed = null;
        RunnerContainer container = null;
        try {
            String socketName = ".codebox-" + UUID.randomUUID().toString().substring(0, 8) + ".sock";
            Path socket = socketDir.orElse(workDir).resolve(socketName);
            UnixSockets.requireFits(socket, "work dir", workDir, "the runner's");
            Optional<String> user = ManagedContainer.resolveUser(config.user(), workDir, ownsWorkDir);
            if (socketDir.isPresent()) {
                ManagedContainer.handOver(socketDir.get(), user);
            }
            String bindDir = config.bindDir().map(Path::toString).orElse(workDir.toString());
            String name = config.containerName().orElse("codebox-exec-" + UUID.randomUUID());
            RunnerSecret secret = RunnerSecret.generate();
            String marker = SharedDir.newMarkerName();
            ContainerRequest request = new ContainerSpec(config, name, bindDir, user, socketName,
                    ownsWorkDir ? Optional.of(workDir.toString()) : Optional.empty(),
                    socketDir.map(Path::toString), secret, marker).request();
            // A generated name is new; a configured one replaces the container of that name.
            managed = ManagedContainer.prepare(EngineEndpoint.discover(config.dockerHost()), request,
                    config.containerName().isPresent());
            container = new RunnerContainer(managed, config, workDir, ownsWorkDir, socket, socketDir,
                    secret, Optional.empty(), marker);
            container.createAndStart();
            return container;
        } catch (RuntimeException e) {
            if (container != null) {
                container.close();
            } else {
                if (managed != null) {
                    managed.close();
                }
                if (ownsWorkDir) {
                    TempDirs.deleteRecursively(workDir);
                }
                socketDir.ifPresent(TempDirs::deleteRecursively);
            }
            throw e instanceof CodeExecutorException ? e
                    : new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start the Docker executor: " + DockerEngine.rootMessage(e), e);
        }
    }

    /** The host directory mounted at /workspace. */
    public Path workDir() {
        return workDir;
    }

    /** The container's name. */
    public String name() {
        return name;
    }

    /** The container's id (it changes when the container had to be created again). */
    public String id() {
        return container.id();
    }

    /** The interpreters the image has, by name, with their paths in the container. */
    Map<String, String> interpreters() {
        return interpreters;
    }

    /**
     * A new, authenticated connection to the runner. When nobody listens on the socket, the
     * container is started again (it was stopped or killed) or created again (it was removed), and
     * the connection retried.
     *
     * @throws CodeExecutorException when the container cannot be brought back, is paused, or the
     *     socket is no longer the runner's (replaced by the code: it is never followed)
     */
    RunnerChannel connect() {
        checkIfSuspect();
        try {
            return open();
        } catch (RunnerChannel.UntrustedSocketException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.UNTRUSTED_PEER, "refusing to connect to the runner of container " + name + ": "
                    + e.getMessage(), e);
        } catch (RunnerChannel.ProtocolException e) {
            suspect = true;
            checkAnswering();
            throw new CodeExecutorException(CodeExecutorException.Reason.UNTRUSTED_PEER, "the runner in container " + name + " does not answer as it should: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            return recover(e);
        }
    }

    /**
     * Whether the runner answers a probe now, without bringing a stopped or removed container back:
     * the health check of a pooled container.
     */
    public boolean answers() {
        try (RunnerChannel channel = open()) {
            channel.probe();
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.debug("the runner of {} does not answer: {}", name, e.toString());
            return false;
        }
    }

    /** Marks the runner as suspect: it stopped answering mid-conversation (paused, or dying). */
    void suspect() {
        suspect = true;
    }

    /**
     * When the runner stopped answering earlier, checks the container first: throws when it is
     * paused, so that no request waits on a frozen runner.
     */
    void checkIfSuspect() {
        if (suspect) {
            checkAnswering();
        }
    }

    /** Throws when the container is paused; clears the suspicion when it runs. */
    private void checkAnswering() {
        Optional<InspectContainerResponse.ContainerState> state;
        try {
            state = state();
        } catch (RuntimeException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "the Docker engine at " + container.engine().describe() + " does not answer: "
                    + DockerEngine.rootMessage(e), e);
        }
        if (state.isPresent() && Boolean.TRUE.equals(state.get().getPaused())) {
            throw paused();
        }
        suspect = false;
    }

    private CodeExecutorException paused() {
        return new CodeExecutorException(CodeExecutorException.Reason.PAUSED,
                "container " + name + " is paused; unpause it (docker unpause " + name + ")");
    }

    private RunnerChannel open() throws IOException {
        RunnerChannel channel = RunnerChannel.open(socket, secret, socketOwner, HANDSHAKE_MILLIS, TIMER);
        if (socketOwner.isEmpty()) {
            socketOwner = Optional.of(UnixSockets.requireSocket(socket, Optional.empty()));
        }
        return channel;
    }

    private synchronized RunnerChannel recover(IOException cause) {
        try {
            return open(); // another thread recovered it meanwhile
        } catch (IOException e) {
            LOG.debug("the runner does not answer: {}", e.toString());
        }
        try {
            Optional<InspectContainerResponse.ContainerState> state = state();
            if (state.isEmpty()) {
                LOG.warn("container {} was removed behind codebox's back; creating it again", name);
                createAndStart();
            } else if (Boolean.TRUE.equals(state.get().getPaused())) {
                throw paused();
            } else {
                LOG.warn("the runner in container {} does not answer ({}); starting the container again ({})",
                        name, cause.getMessage(), describe(state.get()));
                if (Boolean.TRUE.equals(state.get().getRunning())) {
                    container.killIfRunning();
                }
                // The container's first process checks the shared directory again: the marker must be there.
                checkingSharedDir(() -> {
                    container.start();
                    awaitRunner();
                });
            }
            return open();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the runner in container " + name + " does not answer after a restart: " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof CodeExecutorException) {
                throw e;
            }
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot bring back container " + name + " (is the Docker engine at "
                    + container.engine().describe() + " still running?): " + DockerEngine.rootMessage(e), e);
        }
    }

    /**
     * Why a connection to the runner ended without an exit: the container's state in words. The
     * connection drops a moment before the engine records a kill or a removal, so a container that
     * still looks running is asked again for up to {@value #SETTLE_MILLIS} ms.
     */
    String describeLoss() {
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
            Optional<InspectContainerResponse.ContainerState> state = state();
            while (state.isPresent() && Boolean.TRUE.equals(state.get().getRunning())
                    && !Boolean.TRUE.equals(state.get().getPaused()) && System.nanoTime() < deadline) {
                sleep(20);
                state = state();
            }
            return state.map(found -> "container " + name + " " + describe(found))
                    .orElse("container " + name + " was removed");
        } catch (RuntimeException e) {
            return "the Docker engine does not answer (" + DockerEngine.rootMessage(e) + ")";
        }
    }

    private static String describe(InspectContainerResponse.ContainerState state) {
        if (Boolean.TRUE.equals(state.getPaused())) {
            return "is paused";
        }
        if (Boolean.TRUE.equals(state.getRunning())) {
            return "is running but its runner ended";
        }
        return "stopped with exit code " + state.getExitCodeLong()
                + (Boolean.TRUE.equals(state.getOOMKilled()) ? " (its memory limit was hit)" : "");
    }

    private Optional<InspectContainerResponse.ContainerState> state() {
        return container.state();
    }

    private void createAndStart() {
        deleteSocket();
        checkingSharedDir(() -> {
            container.createAndStart();
            awaitRunner();
        });
        LOG.info("started container {} of image {}", name, config.image());
    }

    /**
     * Runs {@code start} (which starts the container) with the marker file of {@link SharedDir} in
     * the socket's directory, and explains a failure that came from the container not seeing it.
     */
    private void checkingSharedDir(Runnable start) {
        Path shared = socket.getParent();
        SharedDir marker = SharedDir.mark(shared, sharedMarker);
        try {
            start.run();
        } catch (CodeExecutorException e) {
            throw SharedDir.explain(e, shared, container.engine());
        } finally {
            marker.remove();
        }
    }

    /** Waits until the runner answers a probe; fails with the logs when the container stops first. */
    private void awaitRunner() {
        container.awaitReady("the runner", config.startTimeout(), () -> {
            try (RunnerChannel channel = open()) {
                interpreters = channel.probe();
                return null;
            } catch (RunnerChannel.UntrustedSocketException e) {
                throw new CodeExecutorException(CodeExecutorException.Reason.UNTRUSTED_PEER, "refusing to connect to the runner of container " + name + ": "
                        + e.getMessage(), e);
            } catch (IOException notYet) {
                LOG.trace("runner not ready: {}", notYet.toString());
                return notYet.toString();
            }
        });
    }

    /** Removes the container (or only stops it when autoRemove is off), its socket, and an owned work dir. */
    @Override
    public void close() {
        try {
            container.close(config.autoRemove());
        } finally {
            deleteSocket();
            if (ownsWorkDir) {
                TempDirs.deleteRecursively(workDir);
            }
            socketDir.ifPresent(TempDirs::deleteRecursively);
        }
    }

    private void deleteSocket() {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("could not delete {}", socket, e);
        }
    }

    /** A given work dir; the directories codebox creates for it are its owner's only (0700). */
    private static Path createWorkDir(Path dir) {
        try {
            return Files.createDirectories(dir.toAbsolutePath(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------"))).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot create the work dir " + dir + ": " + e, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while the container started");
        }
    }
}
