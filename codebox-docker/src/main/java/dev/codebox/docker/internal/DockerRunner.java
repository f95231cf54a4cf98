package dev.codebox.docker.internal;

import dev.codebox.CancellationToken;
import dev.codebox.Language;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.internal.pipeline.HostWorkDir;
import dev.codebox.spi.BlockOutput;
import dev.codebox.spi.Launch;
import dev.codebox.spi.RunOutcome;
import dev.codebox.spi.Runner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands in the container through its resident runner: one Unix socket connection per
 * command, so commands run concurrently. A timeout or cancellation asks the runner to kill the
 * command's session; if the runner does not confirm within {@value #KILL_CONFIRM_MILLIS} ms (a
 * paused or dying container) the connection is dropped so that the caller never hangs.
 */
public final class DockerRunner implements Runner {

    private static final Logger LOG = LoggerFactory.getLogger(DockerRunner.class);
    private static final long KILL_CONFIRM_MILLIS = 1000;
    /** How long a file request may take before the runner counts as not answering. */
    private static final long CONTROL_MILLIS = 30_000;
    private static final int COPY_CHUNK_BYTES = 1 << 20;
    private static final ScheduledExecutorService TIMER = RunnerContainer.TIMER;

    private final RunnerContainer container;
    private final DockerExecutorConfig config;
    private final boolean stopOnExit;
    /** The connection for file requests, opened on first use and again after it broke. */
    private RunnerChannel control;

    public DockerRunner(RunnerContainer container, DockerExecutorConfig config) {
        this.container = container;
        this.config = config;
        this.stopOnExit = config.stopContainerOnExit();
    }

    @Override
    public Path workDir() {
        return container.workDir();
    }

    @Override
    public Launch launch(Language language, String relativeFile) {
        Map<String, String> found = container.interpreters();
        return Launch.forLanguage(language, relativeFile, name -> Optional.ofNullable(found.get(name)),
                () -> language.canonicalName() + " is not installed in image " + config.image() + ": neither "
                        + String.join(" nor ", Launch.interpreters(language)) + " is on its PATH");
    }

    @Override
    public boolean writeFile(String relativeName, byte[] content, boolean reuseSameSize) throws IOException {
        return control(channel -> channel.write(relativeName, content, reuseSameSize));
    }

    @Override
    public void deleteFiles(List<String> relativeNames) throws IOException {
        control(channel -> {
            channel.delete(relativeNames);
            return null;
        });
    }

    @Override
    public Optional<Map<String, String>> listFiles(int limit) throws IOException {
        return control(channel -> channel.list(limit));
    }

    @Override
    public List<Path> exportFiles(List<String> relativeNames) throws IOException {
        Path workDir = container.workDir();
        if (config.workDirBytes() == 0) {
            return HostWorkDir.resolve(workDir, relativeNames); // the host work dir is /workspace
        }
        List<Path> exported = new ArrayList<>();
        for (String name : relativeNames) {
            Path target = workDir.resolve(name).normalize();
            // Names come from the container, whose code can answer in the runner's place: stay in the work dir.
            if (!target.startsWith(workDir) || target.equals(workDir) || name.startsWith("/")) {
                LOG.warn("not copying {}: it is not a name inside the work dir", name);
                continue;
            }
            if (copyOut(name, target)) {
                exported.add(target);
            }
        }
        return exported;
    }

    /** Copies a file of the container's work dir to {@code target} in the host work dir, which no code can reach. */
    private boolean copyOut(String name, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".codebox-", ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            long offset = 0;
            long limit = config.workDirBytes(); // no file of the tmpfs is larger
            while (offset <= limit) {
                long at = offset;
                Optional<RunnerChannel.Chunk> chunk = control(channel -> channel.read(name, at, COPY_CHUNK_BYTES));
                if (chunk.isEmpty()) {
                    return false;
                }
                out.write(chunk.get().data());
                offset += chunk.get().data().length;
                if (chunk.get().endOfFile()) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /** A request on the file connection. */
    private interface ControlRequest<T> {
        T send(RunnerChannel channel) throws IOException;
    }

    /**
     * Sends a file request on the shared connection, one at a time. A connection that broke (the
     * container was restarted) is replaced once; a request the runner does not answer within
     * {@value #CONTROL_MILLIS} ms closes the connection.
     */
    private synchronized <T> T control(ControlRequest<T> request) throws IOException {
        container.checkIfSuspect();
        for (int attempt = 0; ; attempt++) {
            if (control == null || control.isClosed()) {
                control = container.connect();
            }
            RunnerChannel channel = control;
            ScheduledFuture<?> late = TIMER.schedule(() -> {
                container.suspect();
                channel.close();
            }, CONTROL_MILLIS, TimeUnit.MILLISECONDS);
            try {
                return request.send(channel);
            } catch (RunnerChannel.ProtocolException e) {
                channel.close();
                throw e;
            } catch (IOException e) {
                channel.close();
                if (attempt > 0 || late.isDone()) {
                    throw e;
                }
                LOG.debug("the file connection to the runner broke ({}); opening another", e.toString());
            } finally {
                late.cancel(false);
            }
        }
    }

    @Override
    @SuppressWarnings("try") // the cancellation registration is only closed
    public RunOutcome run(List<String> command, BlockOutput sink, Duration timeout, CancellationToken token) {
        if (token.isCancelled()) {
            return RunOutcome.cancelled();
        }
        AtomicReference<RunOutcome.Ending> stopped = new AtomicReference<>();
        try (RunnerChannel channel = container.connect()) {
            // The request goes first, so that a kill can never arrive before it.
            boolean started = request(channel, command);
            Runnable stopOnTimeout = () -> stop(channel, stopped, RunOutcome.Ending.TIMED_OUT);
            ScheduledFuture<?> timer = TIMER.schedule(stopOnTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
            try (CancellationToken.Registration onCancel = token.onCancel(() -> stop(channel, stopped, RunOutcome.Ending.CANCELLED))) {
                AtomicReference<RunnerChannel.ProtocolException> failure = new AtomicReference<>();
                RunnerChannel.Exit exit = started ? readOutput(channel, sink, failure) : null;
                if (stopped.get() == RunOutcome.Ending.CANCELLED) {
                    return RunOutcome.cancelled();
                }
                if (stopped.get() == RunOutcome.Ending.TIMED_OUT) {
                    return RunOutcome.timedOut();
                }
                if (exit == null && failure.get() != null) {
                    sink.writeLine("codebox: the block did not finish: the runner broke the protocol: " + failure.get().getMessage());
                    return RunOutcome.exited(1);
                }
                if (exit == null) {
                    sink.writeLine("codebox: the block did not finish: " + container.describeLoss()
                            + "; the next block starts it again if it can");
                    return RunOutcome.exited(1);
                }
                if (exit.outOfMemory()) {
                    sink.writeLine("codebox: memory limit exceeded: the container hit its memory limit"
                            + (config.memoryBytes() > 0 ? " of " + ByteSize.format(config.memoryBytes()) : "")
                            + " and the kernel killed a process of the block (exit code " + exit.code() + ")");
                }
                return RunOutcome.exited(exit.code());
            } finally {
                timer.cancel(false);
            }
        }
    }

    /** Sends the run request; false when the runner is gone. */
    private static boolean request(RunnerChannel channel, List<String> command) {
        try {
            channel.startRun(command);
            return true;
        } catch (IOException e) {
            LOG.debug("connection to the runner ended: {}", e.toString());
            return false;
        }
    }

    /** The runner's exit, or {@code null} when the connection ended without one (or broke the protocol). */
    private static RunnerChannel.Exit readOutput(RunnerChannel channel, BlockOutput sink,
            AtomicReference<RunnerChannel.ProtocolException> failure) {
        try {
            return channel.readOutput(sink);
        } catch (RunnerChannel.ProtocolException e) {
            LOG.warn("the runner broke the protocol: {}", e.getMessage());
            failure.set(e);
            return null;
        } catch (IOException e) {
            LOG.debug("connection to the runner ended: {}", e.toString());
            return null;
        }
    }

    /**
     * Kills the command; drops the connection when the runner does not confirm in time, and then
     * has the container checked before the next request (it may be paused).
     */
    private void stop(RunnerChannel channel, AtomicReference<RunOutcome.Ending> stopped, RunOutcome.Ending why) {
        if (stopped.compareAndSet(null, why)) {
            channel.kill();
            TIMER.schedule(() -> {
                if (!channel.isClosed()) {
                    container.suspect();
                    channel.close();
                }
            }, KILL_CONFIRM_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (control != null) {
                control.close();
            }
        }
        if (!stopOnExit && shutdownInProgress()) {
            LOG.info("leaving container {} running at exit (stopContainerOnExit is off)", container.name());
            return;
        }
        container.close();
    }

    /** Whether the JVM is exiting: hooks can no longer be added then. */
    private static boolean shutdownInProgress() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
