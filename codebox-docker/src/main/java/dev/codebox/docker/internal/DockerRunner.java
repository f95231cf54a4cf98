package dev.codebox.docker.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.CancellationToken;
import dev.codebox.Language;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.internal.pipeline.HostWorkDir;
import dev.codebox.spi.BlockOutput;
import dev.codebox.spi.Launch;
import dev.codebox.spi.RunOutcome;
import dev.codebox.spi.Runner;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * Runs commands in the container through its resident runner, every request on the container's one
 * {@link RunnerConnection}, so commands run concurrently. A timeout or cancellation asks the runner
 * to kill the command's session (the runner also kills it at the deadline by itself); if the
 * runner does not confirm within {@value #KILL_CONFIRM_MILLIS} ms (a paused or dying container)
 * the connection is dropped so that the caller never hangs.
 */
public final class DockerRunner implements Runner {

    private static final Logger LOG = LoggerFactory.getLogger(DockerRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long KILL_CONFIRM_MILLIS = 1000;
    /** How long a file request may take before the runner counts as not answering. */
    private static final long CONTROL_MILLIS = 30_000;
    /** How long a copy in or out may take before the runner counts as not answering. */
    private static final long COPY_MILLIS = 600_000;
    private static final ScheduledExecutorService TIMER = RunnerContainer.TIMER;

    private final RunnerContainer container;
    private final boolean stopOnExit;
    private final String image;
    private final long memoryBytes;

    public DockerRunner(RunnerContainer container, DockerExecutorConfig config) {
        this.container = container;
        this.stopOnExit = config.stopContainerOnExit();
        this.image = config.image();
        this.memoryBytes = config.memoryBytes();
    }

    @Override
    public Path workDir() {
        return container.workDir();
    }

    @Override
    public Launch launch(Language language, String relativeFile) {
        Map<String, String> found = container.interpreters();
        return Launch.forLanguage(language, relativeFile, name -> Optional.ofNullable(found.get(name)),
                () -> language.canonicalName() + " is not installed in image " + image + ": neither "
                        + String.join(" nor ", Launch.interpreters(language)) + " is on its PATH");
    }

    /**
     * Writes the file in the container; in COPY mode also into the host work dir, which mirrors
     * the container's (code files are results too), without a round trip to read it back.
     */
    @Override
    public boolean writeFile(String relativeName, byte[] content, boolean reuseSameSize) throws IOException {
        boolean written = written(control(true, CONTROL_MILLIS, connection -> connection.write(relativeName,
                new ByteArrayInputStream(content), content.length, reuseSameSize, false)));
        if (written && container.workDirMode() == WorkDirMode.COPY) {
            HostWorkDir.write(container.workDir(), relativeName, content, reuseSameSize);
        }
        return written;
    }

    /** {@code name} in the host work dir, when it is a name inside it (names can come from the container). */
    private Optional<Path> hostPath(String name) {
        Path workDir = container.workDir();
        Path target = workDir.resolve(name).normalize();
        if (!target.startsWith(workDir) || target.equals(workDir) || name.startsWith("/")) {
            LOG.warn("not copying {}: it is not a name inside the work dir", name);
            return Optional.empty();
        }
        return Optional.of(target);
    }

    private static boolean written(JsonNode reply) throws IOException {
        if (reply.path("outside").asBoolean()) {
            return false;
        }
        failOnError(reply);
        return true;
    }

    @Override
    public void deleteFiles(List<String> relativeNames) throws IOException {
        failOnError(control(true, CONTROL_MILLIS,
                connection -> connection.request(Map.of("op", "delete", "paths", relativeNames), null, null)));
        if (container.workDirMode() == WorkDirMode.COPY) {
            HostWorkDir.delete(container.workDir(), relativeNames);
        }
    }

    @Override
    public Optional<Map<String, String>> listFiles(int limit) throws IOException {
        JsonNode files = control(true, CONTROL_MILLIS,
                connection -> connection.request(Map.of("op", "list", "limit", limit), null, null)).path("files");
        if (files.isNull() || files.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(JSON.convertValue(files, new TypeReference<Map<String, String>>() { }));
    }

    @Override
    public List<Path> exportFiles(List<String> relativeNames) throws IOException {
        Path workDir = container.workDir();
        if (container.workDirMode() == WorkDirMode.BIND) {
            return HostWorkDir.resolve(workDir, relativeNames); // the host work dir is /workspace
        }
        List<Path> exported = new ArrayList<>();
        for (String name : relativeNames) {
            // Names come from the container, whose code can answer in the runner's place: stay in the work dir.
            Optional<Path> target = hostPath(name);
            if (target.isPresent() && copyOut(name, target.get(), container.copyBytes())) {
                exported.add(target.get());
            }
        }
        return exported;
    }

    /**
     * Copies the host file {@code source} to {@code relativeName} of the container's work dir,
     * through the runner (which never follows a link there).
     *
     * @return false when the name leads out of the work dir through a link
     */
    public boolean copyIn(Path source, String relativeName) throws IOException {
        return written(control(false, COPY_MILLIS, connection -> connection.writeFrom(source, relativeName)));
    }

    /**
     * Copies {@code relativeName} of the container's work dir to {@code target} on the host: into a
     * temporary file beside it, moved over it at the end (a link at {@code target} is replaced, not
     * followed).
     *
     * @param limit the most bytes copied; a larger file is not copied
     * @return false when the name is not a regular file of the work dir (a link, a directory, missing)
     * @throws IOException when the copy fails or the file is larger than {@code limit}
     */
    public boolean copyOut(String relativeName, Path target, long limit) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".codebox-", ".tmp");
        try {
            JsonNode reply;
            try (OutputStream out = Files.newOutputStream(temp, LinkOption.NOFOLLOW_LINKS)) {
                reply = control(false, COPY_MILLIS, connection -> connection.request(
                        Map.of("op", "read", "path", relativeName, "limit", limit), null, out));
            }
            if (reply.path("outside").asBoolean() || reply.has("error")) {
                Files.deleteIfExists(temp);
                if (reply.has("error") && !reply.path("error").asText().contains("No such file")) {
                    throw new IOException(reply.path("error").asText());
                }
                return false;
            }
            if (reply.path("truncated").asBoolean()) {
                throw new IOException(relativeName + " is larger than " + ByteSize.format(limit) + "; not copied");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    private static void failOnError(JsonNode reply) throws IOException {
        if (reply.has("error")) {
            throw new IOException(reply.path("error").asText());
        }
    }

    /** A request on the connection. */
    private interface ControlRequest<T> {
        T send(RunnerConnection connection) throws IOException;
    }

    /**
     * Sends a file request. When {@code retry}, a connection that ended (the container was
     * restarted) is replaced once; a request the runner does not answer within {@code millis} closes
     * the connection.
     */
    private <T> T control(boolean retry, long millis, ControlRequest<T> request) throws IOException {
        for (int attempt = 0; ; attempt++) {
            RunnerConnection connection = container.connection();
            ScheduledFuture<?> late = TIMER.schedule(() -> {
                container.suspect();
                connection.close();
            }, millis, TimeUnit.MILLISECONDS);
            try {
                return request.send(connection);
            } catch (RunnerConnection.ProtocolException e) {
                throw e;
            } catch (IOException e) {
                if (!retry || attempt > 0 || late.isDone()) {
                    throw e;
                }
                LOG.debug("the connection to the runner ended ({}); opening another", e.toString());
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
        RunnerConnection connection = container.connection();
        RunnerConnection.Run run;
        try {
            run = connection.run(Map.of("op", "run", "argv", command, "timeout_ms", timeout.toMillis()), sink);
        } catch (IOException e) {
            return lost(e, sink);
        }
        AtomicReference<RunOutcome.Ending> stopped = new AtomicReference<>();
        ScheduledFuture<?> timer = TIMER.schedule(() -> stop(connection, run, stopped, RunOutcome.Ending.TIMED_OUT),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        try (CancellationToken.Registration onCancel = token.onCancel(() -> stop(connection, run, stopped, RunOutcome.Ending.CANCELLED))) {
            RunnerConnection.Exit exit;
            try {
                exit = run.await();
            } catch (IOException e) {
                exit = null;
                if (stopped.get() == null) {
                    return lost(e, sink);
                }
            }
            if (stopped.get() == RunOutcome.Ending.CANCELLED) {
                return RunOutcome.cancelled();
            }
            if (stopped.get() == RunOutcome.Ending.TIMED_OUT || (exit != null && exit.deadlinePassed())) {
                return RunOutcome.timedOut();
            }
            if (exit.outOfMemory()) {
                sink.writeLine("codebox: memory limit exceeded: the container hit its memory limit"
                        + (memoryBytes > 0 ? " of " + ByteSize.format(memoryBytes) : "")
                        + " and the kernel killed a process of the block (exit code " + exit.code() + ")");
            }
            return RunOutcome.exited(exit.code());
        } finally {
            timer.cancel(false);
        }
    }

    /** The outcome of a block whose connection ended before its exit: exit code 1 and why. */
    private RunOutcome lost(IOException e, BlockOutput sink) {
        if (e instanceof RunnerConnection.ProtocolException) {
            LOG.warn("the runner broke the protocol: {}", e.getMessage());
            sink.writeLine("codebox: the block did not finish: the runner broke the protocol: " + e.getMessage());
        } else {
            LOG.debug("connection to the runner ended: {}", e.toString());
            sink.writeLine("codebox: the block did not finish: " + container.describeLoss()
                    + "; the next block starts it again if it can");
        }
        return RunOutcome.exited(1);
    }

    /**
     * Kills the command; drops the connection when the runner does not confirm in time, and then
     * has the container checked before the next request (it may be paused).
     */
    private void stop(RunnerConnection connection, RunnerConnection.Run run, AtomicReference<RunOutcome.Ending> stopped,
            RunOutcome.Ending why) {
        if (stopped.compareAndSet(null, why)) {
            run.kill();
            TIMER.schedule(() -> {
                if (!run.isDone()) {
                    container.suspect();
                    connection.close();
                }
            }, KILL_CONFIRM_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
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
