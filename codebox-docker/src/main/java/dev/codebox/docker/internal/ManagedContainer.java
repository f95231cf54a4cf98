package dev.codebox.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one container codebox creates, whatever runs in it (the Docker executor's runner,
 * a Jupyter server): the engine connection, reaping what dead codebox programs left behind (once
 * per engine and JVM), pulling the image with progress, the user it runs as ({@link #resolveUser}), creation
 * from a {@link ContainerRequest} (hardening, labels), the wait until what runs in it is ready (with its logs when it stops first), and
 * removal.
 */
public final class ManagedContainer implements AutoCloseable {

    /** Says whether what runs in the container answers yet. */
    @FunctionalInterface
    public interface ReadyCheck {
        /**
         * @return null when ready, else what the last attempt saw (for the error message)
         * @throws CodeExecutorException to give up at once
         */
        String attempt();
    }

    private static final Logger LOG = LoggerFactory.getLogger(ManagedContainer.class);
    /** The engines pruned by this JVM (once each). */
    private static final Set<String> PRUNED = ConcurrentHashMap.newKeySet();
    private static final long POLL_MILLIS = 3;
    private static final long INSPECT_EVERY_MILLIS = 100;
    private static final int LOG_LINES = 40;

    private final EngineEndpoint engine;
    private final DockerClient client;
    private final ContainerRequest request;
    private volatile String id;

    private ManagedContainer(EngineEndpoint engine, DockerClient client, ContainerRequest request) {
        this.engine = engine;
        this.client = client;
        this.request = request;
    }

    /** The engine this container lives on. */
    public EngineEndpoint engine() {
        return engine;
    }

    /**
     * Connects to {@code engine}, removes containers of dead codebox programs (the first time in this
     * JVM), pulls the image when missing and, when {@code replaceSameName}, removes a container of
     * the request's name. Nothing is created yet.
     *
     * @throws CodeExecutorException when the engine is unreachable or the image cannot be pulled
     */
    public static ManagedContainer prepare(EngineEndpoint engine, ContainerRequest request, boolean replaceSameName) {
        DockerClient client = DockerEngine.connect(engine);
        try {
            if (PRUNED.add(engine.host())) {
                DockerEngine.prune(client);
            }
            ImagePuller.ensurePresent(client, request.image());
            if (replaceSameName) {
                removeIfPresent(client, request.name());
            }
            return new ManagedContainer(engine, client, request);
        } catch (RuntimeException e) {
            DockerEngine.closeQuietly(client);
            throw e;
        }
    }

    public DockerClient client() {
        return client;
    }

    public String name() {
        return request.name();
    }

    /** The container's id, or null before it was created (a new one after it was created again). */
    public String id() {
        return id;
    }

    /**
     * Creates the container and starts it.
     *
     * @throws CodeExecutorException when the engine refuses to start it
     */
    public void createAndStart() {
        create();
        startCreated();
    }

    /**
     * Creates the container with its stdin open and starts it with {@code input} written to that
     * stdin: the way in for a secret, which an environment variable would show to the Engine API's
     * users and, through {@code /proc/1/environ} (docker's init), to the code. The returned handle
     * ends the stdin when closed; close it once the container has read the input (it is also
     * attached to stdout and stderr meanwhile, which it buffers up to 1 MiB).
     *
     * @throws CodeExecutorException when the engine refuses to start it or to attach to its stdin
     */
    public StdinHandle createAndStartWithInput(byte[] input) {
        id = request.createCommand(client).withStdinOpen(true).withStdInOnce(true).withAttachStdin(true).exec().getId();
        LOG.debug("created container {} ({}) with its stdin open", name(), id);
        AttachStream stdin = null;
        boolean written = false;
        try {
            stdin = AttachStream.attach(client, id, name());
            startCreated();
            stdin.write(java.nio.ByteBuffer.wrap(input));
            written = true;
            return stdin::close;
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.START_FAILED, "cannot write to the stdin of container " + name() + ": "
                    + e.getMessage(), e);
        } finally {
            if (!written && stdin != null) {
                stdin.close();
            }
        }
    }

    /** The open stdin of a container: closing it ends the input. */
    public interface StdinHandle extends AutoCloseable {
        @Override
        void close();
    }

    /** Creates the container without starting it (to attach to it first). */
    public void create() {
        id = request.createCommand(client).exec().getId();
        LOG.debug("created container {} ({})", name(), id);
    }

    /**
     * Starts the created container.
     *
     * @throws CodeExecutorException when the engine refuses to start it
     */
    public void startCreated() {
        try {
            client.startContainerCmd(id).exec();
        } catch (DockerException e) {
            throw new CodeExecutorException(Reason.START_FAILED, "container " + name() + " of image " + request.image()
                    + " does not start: " + DockerEngine.rootMessage(e).trim(), e);
        }
    }

    /** Starts the stopped container again. */
    public void start() {
        client.startContainerCmd(id).exec();
    }

    /** Kills the container; it may have stopped on its own meanwhile. */
    public void killIfRunning() {
        try {
            client.killContainerCmd(id).exec();
        } catch (ConflictException notRunning) {
            LOG.debug("container {} stopped by itself", name());
        }
    }

    /** The container's state, or empty when it is gone. */
    public Optional<InspectContainerResponse.ContainerState> state() {
        try {
            return Optional.of(client.inspectContainerCmd(id).exec().getState());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits until {@code check} says {@code what} is ready.
     *
     * @throws CodeExecutorException when the container stops or is removed first, or the timeout
     *     passes; the message has the container's last log lines
     */
    public void awaitReady(String what, Duration timeout, ReadyCheck check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextInspect = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INSPECT_EVERY_MILLIS);
        while (true) {
            String lastAttempt = check.attempt();
            if (lastAttempt == null) {
                return;
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw new CodeExecutorException(Reason.START_FAILED, what + " in container " + name()
                        + " did not come up within " + timeout.toSeconds() + " s (last attempt: " + lastAttempt
                        + "); container logs:\n" + logs());
            }
            if (now > nextInspect) {
                nextInspect = now + TimeUnit.MILLISECONDS.toNanos(INSPECT_EVERY_MILLIS);
                InspectContainerResponse.ContainerState state = state().orElseThrow(() ->
                        new CodeExecutorException(Reason.START_FAILED, "container " + name() + " was removed while it started"));
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    throw new CodeExecutorException(Reason.START_FAILED, "container " + name() + " of image " + request.image()
                            + " stopped while it started (exit code " + state.getExitCodeLong() + "); container logs:\n" + logs());
                }
            }
            sleep(POLL_MILLIS);
        }
    }

    /** The last lines the container wrote, for error messages. */
    public String logs() {
        StringBuilder logs = new StringBuilder();
        try {
            client.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(LOG_LINES)
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

    /** Removes the container (force, with its anonymous volumes) and closes the engine connection; does not throw. */
    @Override
    public void close() {
        close(true);
    }

    /** Removes the container, or when {@code remove} is false only kills it, then closes the connection; does not throw. */
    public void close(boolean remove) {
        try {
            if (id != null) {
                if (remove) {
                    client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
                    LOG.info("removed container {}", name());
                } else {
                    killIfRunning();
                    LOG.info("stopped container {} (kept: autoRemove is off)", name());
                }
            }
        } catch (NotFoundException e) {
            LOG.debug("container {} is already gone", name());
        } catch (RuntimeException e) {
            LOG.warn("could not remove container {}: {}", name(), DockerEngine.rootMessage(e));
        } finally {
            DockerEngine.closeQuietly(client);
        }
    }

    /**
     * The user a container runs as: the configured one, else the owner ({@code uid:gid}) of the
     * directory it shares with this machine, so that code does not run as root unless this program
     * does and the files it writes belong to the user. When {@code handOverDir} is true (a
     * directory codebox created), the directory is given to a numeric configured user when this
     * JVM runs as root, so that the code can write it. Empty when neither is known.
     */
    public static Optional<String> resolveUser(Optional<String> configured, Path sharedDir, boolean handOverDir) {
        try {
            if (configured.isPresent()) {
                if (handOverDir) {
                    handOver(sharedDir, configured);
                }
                return configured;
            }
            return Optional.of(Files.getAttribute(sharedDir, "unix:uid") + ":" + Files.getAttribute(sharedDir, "unix:gid"));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot read or change the owner of {}; the image's user runs the code", sharedDir, e);
            return configured;
        }
    }

    /** Gives {@code dir} to a numeric container user when this JVM runs as root, so that its runner can use it. */
    public static void handOver(Path dir, Optional<String> user) {
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

    private static void removeIfPresent(DockerClient client, String name) {
        try {
            client.removeContainerCmd(name).withForce(true).exec();
            LOG.info("removed an earlier container named {}", name);
        } catch (NotFoundException e) {
            // the usual case: no such container
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
