package dev.codebox.docker.internal;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.CodeExecutorException;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.internal.TempDirs;
import dev.codebox.runner.internal.CloseActions;
import dev.codebox.runner.internal.MirroredWorkDir;
import dev.codebox.runner.internal.ResidentRunner;
import dev.codebox.runner.internal.RunnerConnection;
import dev.codebox.runner.internal.RunnerHost;
import dev.codebox.runner.internal.RunnerSecret;
import dev.codebox.runner.internal.RunnerStream;
import dev.codebox.runner.internal.UnixSockets;
import dev.codebox.spi.BlockOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container of one started Docker executor and the runner inside it: creation, the wait until
 * the runner answers, the one {@link RunnerConnection} every request travels on, recovery when the
 * container was stopped or removed behind codebox's back, and removal.
 */
public final class RunnerContainer implements RunnerHost {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerContainer.class);
    /** How long a container that lost its runner may take to show as stopped or removed. */
    private static final long SETTLE_MILLIS = 2000;
    /** How long the runner may take to say hello on a new connection. */
    private static final long HANDSHAKE_MILLIS = 5000;
    private static final ScheduledExecutorService TIMER = ResidentRunner.TIMER;

    private final ManagedContainer container;
    private final DockerExecutorConfig config;
    private final RunnerLayout layout;
    private final String name;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final RunnerSecret secret;
    /** The name of the file written into the bind-mounted dir before each start, for the container to find. */
    private final String sharedMarker;
    /** The socket's owner when the runner first proved itself; a socket of another owner is refused. */
    private volatile Optional<Integer> socketOwner = Optional.empty();
    /** Set when the runner stopped answering in the middle of a conversation: check the container before talking. */
    private volatile boolean suspect;
    private volatile Map<String, String> interpreters = Map.of();
    private volatile RunnerConnection connection;
    private final CloseActions closeActions = new CloseActions();

    private RunnerContainer(ManagedContainer container, DockerExecutorConfig config, RunnerLayout layout, Path workDir,
            boolean ownsWorkDir, RunnerSecret secret, String sharedMarker) {
        this.container = container;
        this.config = config;
        this.layout = layout;
        this.name = container.name();
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.secret = secret;
        this.sharedMarker = sharedMarker;
    }

    /**
     * Creates the work dir, connects to the engine, pulls the image when missing, replaces a
     * container of the same name, and starts the container until its runner answers. With AUTO
     * settings, an engine that turns out not to share the work dir gets a container on the attach
     * stream with a copied work dir instead (within a second). Whatever was created is removed
     * again when this fails.
     *
     * @throws CodeExecutorException when any step fails, with the reason (and the container's output)
     */
    public static RunnerContainer start(DockerExecutorConfig config) {
        EngineEndpoint engine = EngineEndpoint.discover(config.dockerHost());
        RunnerLayout layout = RunnerLayout.first(config, engine);
        try {
            return start(config, engine, layout);
        } catch (CodeExecutorException e) {
            Optional<RunnerLayout> fallback = layout.fallback(config);
            if (fallback.isEmpty() || !SharedDir.isNotShared(e)) {
                throw e;
            }
            LOG.info("the Docker engine at {} does not share the work dir; using the attach stream and a copied work dir",
                    engine.describe());
            return start(config, engine, fallback.get());
        }
    }

    private static RunnerContainer start(DockerExecutorConfig config, EngineEndpoint engine, RunnerLayout planned) {
        boolean ownsWorkDir = config.workDir().isEmpty();
        Path workDir = ownsWorkDir ? TempDirs.create() : createWorkDir(config.workDir().get());
        boolean socketDirNeeded = planned.transport() == RunnerTransport.UNIX_SOCKET && planned.mode() == WorkDirMode.COPY;
        Optional<Path> socketDir = Optional.empty();
        ManagedContainer managed = null;
        RunnerContainer container = null;
        try {
            if (socketDirNeeded) {
                socketDir = Optional.of(TempDirs.create());
            }
            RunnerLayout layout = planned;
            if (planned.transport() == RunnerTransport.UNIX_SOCKET) {
                Path socket = socketDir.orElse(workDir).resolve(".codebox-" + UUID.randomUUID().toString().substring(0, 8) + ".sock");
                UnixSockets.requireFits(socket, "work dir", workDir, "the runner's");
                layout = planned.withSocket(socket, socketDir);
            }
            Optional<String> user = ManagedContainer.resolveUser(config.user(), workDir, ownsWorkDir);
            if (socketDir.isPresent()) {
                ManagedContainer.handOver(socketDir.get(), user);
            }
            String bindDir = config.bindDir().map(Path::toString).orElse(workDir.toString());
            String name = config.containerName().orElse("codebox-exec-" + UUID.randomUUID());
            RunnerSecret secret = RunnerSecret.generate();
            String marker = SharedDir.newMarkerName();
            ContainerRequest request = new ContainerSpec(config, name, bindDir, user, layout,
                    ownsWorkDir ? Optional.of(workDir.toString()) : Optional.empty(), marker).request();
            // A generated name is new; a configured one replaces the container of that name.
            managed = ManagedContainer.prepare(engine, request, config.containerName().isPresent());
            container = new RunnerContainer(managed, config, layout, workDir, ownsWorkDir, secret, marker);
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
                    : new CodeExecutorException(Reason.START_FAILED, "cannot start the Docker executor: " + DockerEngine.rootMessage(e), e);
        }
    }

    /** The host work dir: mounted at /workspace (BIND), or where output files are copied to (COPY). */
    @Override
    public Path workDir() {
        return workDir;
    }

    /** The container's name. */
    @Override
    public String name() {
        return name;
    }

    /** The container's id (it changes when the container had to be created again). */
    public String id() {
        return container.id();
    }

    /** The transport in use. */
    public RunnerTransport transport() {
        return layout.transport();
    }

    /** The work dir mode in use. */
    public WorkDirMode workDirMode() {
        return layout.mode();
    }

    @Override
    public String kind() {
        return "container";
    }

    @Override
    public boolean mirrorsWorkDir() {
        return layout.mode() == WorkDirMode.COPY;
    }

    /** The size of the container's work dir in COPY mode, which bounds any file copied out of it. */
    @Override
    public long copyBytes() {
        return layout.copyBytes();
    }

    /** The interpreters the image has, by name, with their paths in the container. */
    @Override
    public Map<String, String> interpreters() {
        return interpreters;
    }

    /**
     * The connection to the runner. When it ended, a new one is opened; when the runner is gone,
     * the container is started again (it was stopped or killed) or created again (it was removed).
     *
     * @throws CodeExecutorException when the container cannot be brought back, is paused, the
     *     socket is no longer the runner's (replaced by the code: it is never followed), or the
     *     runner broke the protocol (this executor then serves no more)
     */
    @Override
    public RunnerConnection connection() {
        checkIfSuspect();
        RunnerConnection current = connection;
        if (current != null && current.isOpen()) {
            return current;
        }
        return reconnect();
    }

    /** A long-running process in the container (a server), started with {@link #startService}. */
    public interface Service {
        /** Kills the process's session; does not throw. */
        void stop();

        /** Whether it has ended. */
        boolean ended();
    }

    /**
     * Starts {@code argv} in the work dir with {@code environment} added, outside any block and
     * without a deadline; its output goes to {@code output} (bounded by the caller).
     *
     * @throws CodeExecutorException when the runner cannot be reached
     */
    public Service startService(List<String> argv, Map<String, String> environment, BlockOutput output) {
        try {
            RunnerConnection.Run run = connection().run(Map.of("op", "run", "argv", argv, "env", environment), output);
            return new Service() {
                @Override
                public void stop() {
                    run.kill();
                }

                @Override
                public boolean ended() {
                    return run.isDone();
                }
            };
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.START_FAILED, "cannot start " + argv.get(0) + " in container " + name
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the runner answers a ping now, without bringing a stopped or removed container back:
     * the health check of a pooled container.
     */
    @Override
    public boolean answers() {
        RunnerConnection current = connection;
        boolean answers = current != null && current.isOpen() && current.ping(HANDSHAKE_MILLIS);
        if (!answers) {
            LOG.debug("the runner of {} does not answer", name);
        }
        return answers;
    }

    /** Marks the runner as suspect: it stopped answering mid-conversation (paused, or dying). */
    @Override
    public void suspect() {
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
            throw engineUnreachable(e);
        }
        if (state.isPresent() && Boolean.TRUE.equals(state.get().getPaused())) {
            throw paused();
        }
        suspect = false;
    }

    private CodeExecutorException paused() {
        return new CodeExecutorException(Reason.PAUSED,
                "container " + name + " is paused; unpause it (docker unpause " + name + ")");
    }

    private synchronized RunnerConnection reconnect() {
        RunnerConnection current = connection;
        if (current != null && current.isOpen()) {
            return current; // another thread reconnected meanwhile
        }
        if (current != null && current.failure() instanceof RunnerConnection.ProtocolException broken) {
            throw new CodeExecutorException(Reason.UNTRUSTED_PEER, "the runner in container " + name
                    + " broke the protocol (" + broken.getMessage() + "); this executor serves no more: stop it and start another");
        }
        try {
            connection = open(false);
            return connection;
        } catch (RunnerConnection.UntrustedSocketException e) {
            throw untrusted(e);
        } catch (RunnerConnection.ProtocolException e) {
            throw misbehaving(e);
        } catch (IOException e) {
            LOG.debug("the runner does not answer: {}", e.toString());
            return recover(e);
        } catch (CodeExecutorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw engineUnreachable(e);
        }
    }

    /** A new connection to a runner that should be there: the socket, or the attach stream again. */
    private RunnerConnection open(boolean starting) throws IOException {
        RunnerStream stream;
        if (layout.transport() == RunnerTransport.UNIX_SOCKET) {
            Path socket = layout.socket().orElseThrow();
            stream = RunnerStream.unixSocket(socket, socketOwner);
            if (socketOwner.isEmpty()) {
                socketOwner = Optional.of(UnixSockets.requireSocket(socket, Optional.empty()));
            }
        } else {
            Optional<InspectContainerResponse.ContainerState> state = state();
            if (!starting && (state.isEmpty() || !Boolean.TRUE.equals(state.get().getRunning()))) {
                throw new IOException("container " + name + " is not running");
            }
            stream = AttachStream.attach(container.client(), container.id(), name);
        }
        return handshake(stream, !starting, HANDSHAKE_MILLIS);
    }

    /** Authenticates over {@code stream} and learns the interpreters; the stream is closed when that fails. */
    private RunnerConnection handshake(RunnerStream stream, boolean resync, long millis) throws IOException {
        RunnerConnection.Probed opened = RunnerConnection.openProbed(stream, secret, resync, millis, TIMER, name);
        interpreters = opened.interpreters();
        return opened.connection();
    }

    private CodeExecutorException engineUnreachable(RuntimeException e) {
        return new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "the Docker engine at " + container.engine().describe()
                + " does not answer: " + DockerEngine.rootMessage(e), e);
    }

    private CodeExecutorException misbehaving(RunnerConnection.ProtocolException e) {
        return new CodeExecutorException(Reason.UNTRUSTED_PEER, "the runner in container " + name
                + " does not answer as it should: " + e.getMessage(), e);
    }

    private CodeExecutorException untrusted(IOException e) {
        return new CodeExecutorException(Reason.UNTRUSTED_PEER, "refusing to connect to the runner of container " + name + ": "
                + e.getMessage(), e);
    }

    private RunnerConnection recover(IOException cause) {
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
                try {
                    startRunner(false);
                } catch (CodeExecutorException e) {
                    if (state().isPresent()) {
                        throw e;
                    }
                    // It was being removed (docker rm -f kills first): create it again.
                    LOG.warn("container {} was removed while it restarted; creating it again", name);
                    createAndStart();
                }
            }
            return connection;
        } catch (RuntimeException e) {
            if (e instanceof CodeExecutorException) {
                throw e;
            }
            throw new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "cannot bring back container " + name
                    + " (is the Docker engine at " + container.engine().describe() + " still running?): "
                    + DockerEngine.rootMessage(e), e);
        }
    }

    /**
     * Why a connection to the runner ended without an exit: the container's state in words. The
     * connection drops a moment before the engine records a kill or a removal, so a container that
     * still looks running is asked again for up to {@value #SETTLE_MILLIS} ms.
     */
    @Override
    public String describeLoss() {
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
        container.create();
        startRunner(true);
        LOG.info("started container {} of image {} ({}, {} work dir)", name, config.image(), layout.transport(), layout.mode());
    }

    /**
     * Starts the created or stopped container and waits until its runner answers. The bind-mounted
     * dir holds the marker file of {@link SharedDir} meanwhile; a failure that came from the
     * container not seeing it is explained.
     */
    private void startRunner(boolean created) {
        RunnerConnection previous = connection;
        if (previous != null) {
            previous.close();
        }
        Optional<Path> shared = layout.sharedDirOnHost(workDir);
        Optional<SharedDir> marker = shared.map(dir -> SharedDir.mark(dir, sharedMarker));
        try {
            if (layout.transport() == RunnerTransport.UNIX_SOCKET) {
                deleteSocket();
                AttachStream stdin = attach();
                try {
                    start(created);
                    sendSecret(stdin);
                    awaitSocketRunner();
                } catch (IOException e) {
                    throw new CodeExecutorException(Reason.START_FAILED, "cannot reach the stdin of container " + name + ": "
                            + e.getMessage(), e);
                } finally {
                    stdin.close();
                }
            } else {
                startAttached(created);
            }
            if (layout.mode() == WorkDirMode.COPY) {
                copyWorkDirIn();
            }
        } catch (CodeExecutorException e) {
            throw shared.map(dir -> SharedDir.explain(e, dir, container.engine())).orElse(e);
        } finally {
            marker.ifPresent(SharedDir::remove);
        }
    }

    private void start(boolean created) {
        if (created) {
            container.startCreated();
        } else {
            container.start();
        }
    }

    /** Polls the socket until the runner answers; fails with the logs when the container stops first. */
    private void awaitSocketRunner() {
        container.awaitReady("the runner", config.startTimeout(), () -> {
            try {
                connection = open(true);
                return null;
            } catch (RunnerConnection.UntrustedSocketException e) {
                throw untrusted(e);
            } catch (RunnerConnection.ProtocolException e) {
                throw misbehaving(e);
            } catch (IOException notYet) {
                LOG.trace("runner not ready: {}", notYet.toString());
                return notYet.toString();
            }
        });
    }

    /**
     * Attaches to the container, starts it and says hello on the attach stream; the runner answers
     * once it runs (after the init command). When the stream ends first, the container stopped:
     * the message has what it wrote to stderr.
     */
    private void startAttached(boolean created) {
        AttachStream stream = attach();
        try {
            start(created);
            sendSecret(stream);
            connection = handshake(stream, false, config.startTimeout().toMillis());
        } catch (RunnerConnection.ProtocolException e) {
            stream.close();
            throw misbehaving(e);
        } catch (IOException | RuntimeException e) {
            stream.close();
            if (e instanceof CodeExecutorException cee) {
                throw cee;
            }
            Optional<InspectContainerResponse.ContainerState> state = state();
            String output = stream.stderrTail().isEmpty() ? "(no output)" : stream.stderrTail();
            if (state.isPresent() && !Boolean.TRUE.equals(state.get().getRunning())) {
                throw new CodeExecutorException(Reason.START_FAILED, "container " + name + " of image " + config.image()
                        + " stopped while it started (exit code " + state.get().getExitCodeLong() + "); its output:\n" + output, e);
            }
            throw new CodeExecutorException(Reason.START_FAILED, "the runner in container " + name + " did not come up within "
                    + config.startTimeout().toSeconds() + " s (" + e.getMessage() + "); its output:\n" + output, e);
        }
    }

    private AttachStream attach() {
        try {
            return AttachStream.attach(container.client(), container.id(), name);
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.START_FAILED, "cannot attach to container " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first line a new runner reads from its stdin: its secret, which never goes into the
     * container's environment (the Engine API shows that, and so does {@code /proc/1/environ} to
     * the code, PID 1 being docker's init).
     */
    private void sendSecret(AttachStream stdin) throws IOException {
        stdin.write(ByteBuffer.wrap(secret.firstLine()));
    }

    /**
     * Copies the regular files of the host work dir (never through a link) into the container's
     * COPY work dir, which starts empty: a given work dir's files, and after a restart what earlier
     * executions created (their output files were copied out).
     */
    private void copyWorkDirIn() {
        MirroredWorkDir.copyIn(workDir, connection, layout.copyBytes(), "container " + name, config.startTimeout());
    }

    /** Removes the container (or only stops it when autoRemove is off), its socket, and an owned work dir. */
    @Override
    public void close() {
        RunnerConnection current = connection;
        if (current != null) {
            current.close();
        }
        try {
            container.close(config.autoRemove());
        } finally {
            deleteSocket();
            if (ownsWorkDir) {
                TempDirs.deleteRecursively(workDir);
            }
            layout.socketDir().ifPresent(TempDirs::deleteRecursively);
            closeActions.run();
        }
    }

    @Override
    public void whenClosed(Runnable action) {
        closeActions.add(action);
    }

    private void deleteSocket() {
        layout.socket().ifPresent(socket -> {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.debug("could not delete {}", socket, e);
            }
        });
    }

    /** A given work dir; the directories codebox creates for it are its owner's only (0700). */
    private static Path createWorkDir(Path dir) {
        try {
            return Files.createDirectories(dir.toAbsolutePath(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------"))).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.WORK_DIR, "cannot create the work dir " + dir + ": " + e, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(Reason.INTERRUPTED, "interrupted while the container started");
        }
    }
}
