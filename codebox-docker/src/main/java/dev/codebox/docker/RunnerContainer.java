package dev.codebox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.codebox.CodeExecutorException;
import dev.codebox.local.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
final class RunnerContainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerContainer.class);
    /** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
    private static final int MAX_SOCKET_PATH = 107;
    private static final long POLL_MILLIS = 3;
    private static final long INSPECT_EVERY_MILLIS = 100;
    private static final int LOG_LINES = 40;
    /** How long a container that lost its runner may take to show as stopped or removed. */
    private static final long SETTLE_MILLIS = 2000;
    /** How long the runner may take to say hello on a new connection. */
    private static final long HANDSHAKE_MILLIS = 5000;
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "codebox-docker-timer");
        thread.setDaemon(true);
        return thread;
    });

    private final DockerClient client;
    private final DockerExecutorConfig config;
    private final String name;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Path socket;
    private final Optional<Path> socketDir;
    private final ContainerSpec spec;
    private final RunnerSecret secret;
    /** The socket's owner when the runner first proved itself; a socket of another owner is refused. */
    private volatile Optional<Integer> socketOwner;
    /** Set when the runner stopped answering in the middle of a conversation: check the container before talking. */
    private volatile boolean suspect;
    private volatile String containerId;
    private volatile Map<String, String> interpreters = Map.of();

    private RunnerContainer(DockerClient client, DockerExecutorConfig config, String name, Path workDir,
            boolean ownsWorkDir, Path socket, Optional<Path> socketDir, ContainerSpec spec, RunnerSecret secret,
            Optional<Integer> socketOwner) {
        this.client = client;
        this.config = config;
        this.name = name;
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.socket = socket;
        this.socketDir = socketDir;
        this.spec = spec;
        this.secret = secret;
        this.socketOwner = socketOwner;
    }

    /**
     * Creates the work dir, connects to the engine, pulls the image when missing, replaces a
     * container of the same name, and starts the container until its runner answers. Whatever was
     * created is removed again when this fails.
     *
     * @throws CodeExecutorException when any step fails, with the reason (and the container's logs)
     */
    static RunnerContainer start(DockerExecutorConfig config) {
        boolean ownsWorkDir = config.workDir().isEmpty();
        Path workDir = ownsWorkDir ? TempDirs.create() : createWorkDir(config.workDir().get());
        // With a tmpfs work dir the host work dir is not mounted; the socket gets a directory of its own.
        Optional<Path> socketDir = config.workDirBytes() > 0 ? Optional.of(TempDirs.create()) : Optional.empty();
        DockerClient client = null;
        RunnerContainer container = null;
        try {
            String socketName = ".codebox-" + UUID.randomUUID().toString().substring(0, 8) + ".sock";
            Path socket = socketDir.orElse(workDir).resolve(socketName);
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "the work dir path " + workDir + " is too long for the runner's Unix socket"
                        + " (at most " + (MAX_SOCKET_PATH - socketName.length() - 1) + " bytes); choose a shorter work dir");
            }
            Optional<String> user = resolveUser(config, workDir, ownsWorkDir);
            if (socketDir.isPresent()) {
                handOver(socketDir.get(), user);
            }
            String bindDir = config.bindDir().map(Path::toString).orElse(workDir.toString());
            String name = config.containerName().orElse("codebox-exec-" + UUID.randomUUID());
            client = DockerEngine.connect();
            ImagePuller.ensurePresent(client, config.image());
            if (config.containerName().isPresent()) {
                removeIfPresent(client, name); // a generated name is new
            }
            RunnerSecret secret = RunnerSecret.generate();
            container = new RunnerContainer(client, config, name, workDir, ownsWorkDir, socket, socketDir,
                    new ContainerSpec(config, name, bindDir, user, socketName,
                            ownsWorkDir ? Optional.of(workDir.toString()) : Optional.empty(),
                            socketDir.map(Path::toString), secret),
                    secret, Optional.empty());
            container.createAndStart();
            return container;
        } catch (RuntimeException e) {
            if (container != null) {
                container.close();
            } else {
                if (client != null) {
                    DockerEngine.closeQuietly(client);
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
    Path workDir() {
        return workDir;
    }

    /** The container's name. */
    String name() {
        return name;
    }

    /** The container's id (it changes when the container had to be created again). */
    String id() {
        return containerId;
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
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "the Docker engine at " + DockerEngine.host() + " does not answer: "
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
                    killIfRunning();
                }
                client.startContainerCmd(containerId).exec();
                awaitRunner();
            }
            return open();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the runner in container " + name + " does not answer after a restart: " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof CodeExecutorException) {
                throw e;
            }
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot bring back container " + name + " (is the Docker engine at "
                    + DockerEngine.host() + " still running?): " + DockerEngine.rootMessage(e), e);
        }
    }

    /** Kills the container; it may have stopped on its own meanwhile (its runner ended). */
    private void killIfRunning() {
        try {
            client.killContainerCmd(containerId).exec();
        } catch (ConflictException notRunning) {
            LOG.debug("container {} stopped by itself", name);
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
        try {
            return Optional.of(client.inspectContainerCmd(containerId).exec().getState());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private void createAndStart() {
        deleteSocket();
        containerId = spec.createCommand(client).exec().getId();
        LOG.debug("created container {} ({})", name, containerId);
        try {
            client.startContainerCmd(containerId).exec();
        } catch (DockerException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "container " + name + " of image " + config.image() + " does not start: "
                    + DockerEngine.rootMessage(e).trim(), e);
        }
        awaitRunner();
        LOG.info("started container {} of image {}", name, config.image());
    }

    /** Waits until the runner answers a probe; fails with the logs when the container stops first. */
    private void awaitRunner() {
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        long nextInspect = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INSPECT_EVERY_MILLIS);
        IOException lastError = null;
        while (true) {
            try (RunnerChannel channel = open()) {
                interpreters = channel.probe();
                return;
            } catch (RunnerChannel.UntrustedSocketException e) {
                throw new CodeExecutorException(CodeExecutorException.Reason.UNTRUSTED_PEER, "refusing to connect to the runner of container " + name + ": "
                        + e.getMessage(), e);
            } catch (IOException notYet) {
                lastError = notYet;
                LOG.trace("runner not ready: {}", notYet.toString());
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the runner in container " + name + " did not come up within "
                        + config.startTimeout().toSeconds() + " s (last attempt: " + lastError + "); container logs:\n" + logs());
            }
            if (now > nextInspect) {
                nextInspect = now + TimeUnit.MILLISECONDS.toNanos(INSPECT_EVERY_MILLIS);
                InspectContainerResponse.ContainerState state = state().orElseThrow(() ->
                        new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "container " + name + " was removed while it started"));
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "container " + name + " of image " + config.image()
                            + " stopped while it started (exit code " + state.getExitCodeLong() + "); container logs:\n" + logs());
                }
            }
            sleep(POLL_MILLIS);
        }
    }

    /** The last lines the container wrote, for error messages. */
    private String logs() {
        StringBuilder logs = new StringBuilder();
        try {
            client.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(LOG_LINES)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            synchronized (logs) {
                                logs.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                            }
                        }
                    }).awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(logs unavailable: " + DockerEngine.rootMessage(e) + ")";
        }
        synchronized (logs) {
            return logs.length() == 0 ? "(no output)" : logs.toString().strip();
        }
    }

    /** Removes the container (or only stops it when autoRemove is off), its socket, and an owned work dir. */
    @Override
    public void close() {
        try {
            if (containerId != null) {
                if (config.autoRemove()) {
                    client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
                    LOG.info("removed container {}", name);
                } else {
                    killIfRunning();
                    LOG.info("stopped container {} (kept: autoRemove is off)", name);
                }
            }
        } catch (NotFoundException e) {
            LOG.debug("container {} is already gone", name);
        } catch (RuntimeException e) {
            LOG.warn("could not remove container {}: {}", name, DockerEngine.rootMessage(e));
        } finally {
            deleteSocket();
            DockerEngine.closeQuietly(client);
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

    private static void removeIfPresent(DockerClient client, String name) {
        try {
            client.removeContainerCmd(name).withForce(true).exec();
            LOG.info("removed an earlier container named {}", name);
        } catch (NotFoundException e) {
            // the usual case: no such container
        }
    }

    /** Gives {@code dir} to a numeric container user when this JVM runs as root, so that its runner can use it. */
    private static void handOver(Path dir, Optional<String> user) {
        try {
            if (user.isPresent() && user.get().matches("\\d+(:\\d+)?") && ((Integer) Files.getAttribute(dir, "unix:uid")) == 0) {
                String[] ids = user.get().split(":");
                Files.setAttribute(dir, "unix:uid", Integer.parseInt(ids[0]));
                Files.setAttribute(dir, "unix:gid", Integer.parseInt(ids.length > 1 ? ids[1] : ids[0]));
            }
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot hand {} over to {}", dir, user, e);
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

    /**
     * The configured user, else the work dir's owner as {@code uid:gid}. A temporary work dir is
     * given to a numeric configured user when this JVM runs as root, so that the code can write it.
     */
    private static Optional<String> resolveUser(DockerExecutorConfig config, Path workDir, boolean ownsWorkDir) {
        try {
            if (config.user().isPresent()) {
                if (ownsWorkDir) {
                    handOver(workDir, config.user());
                }
                return config.user();
            }
            return Optional.of(Files.getAttribute(workDir, "unix:uid") + ":" + Files.getAttribute(workDir, "unix:gid"));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot read or change the owner of {}; the image's user runs the code", workDir, e);
            return config.user();
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
