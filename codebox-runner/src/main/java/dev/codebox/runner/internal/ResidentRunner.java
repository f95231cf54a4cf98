package dev.codebox.runner.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.CancellationToken;
import dev.codebox.Language;
import dev.codebox.WorkDirCopies;
import dev.codebox.internal.ByteSize;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands through a resident runner (in a container or a pod), every request on the host's
 * one {@link RunnerConnection}, so commands run concurrently. A timeout or cancellation asks the
 * runner to kill the command's session (the runner also kills it at the deadline by itself); if the
 * runner does not confirm within {@value #KILL_CONFIRM_MILLIS} ms (a paused or dying container)
 * the connection is dropped so that the caller never hangs.
 */
public final class ResidentRunner implements Runner {

    /** The timer of every runner's deadlines and watchdogs (one daemon thread). */
    public static final ScheduledExecutorService TIMER = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "codebox-runner-timer");
        thread.setDaemon(true);
        return thread;
    });
    /**
     * Sends the kills of timed-out and cancelled runs. Not {@link #TIMER}, nor the canceller's
     * thread: a kill waits for the connection's writer, which a runner that stopped reading holds,
     * and a blocked timer thread would take every runner's deadlines with it. The kill's
     * confirmation, on the timer, closes such a connection, which frees the writer.
     */
    private static final java.util.concurrent.ExecutorService KILLER = java.util.concurrent.Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-runner-kill");
        thread.setDaemon(true);
        return thread;
    });
    private static final Logger LOG = LoggerFactory.getLogger(ResidentRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long KILL_CONFIRM_MILLIS = 1000;
    /** How long a file request may take before the runner counts as not answering. */
    private static final long CONTROL_MILLIS = 30_000;
    /** How long a copy in or out may take before the runner counts as not answering. */
    private static final long COPY_MILLIS = 600_000;

    private final RunnerHost host;
    private final boolean stopOnExit;
    private final String image;
    private final long memoryBytes;

    /**
     * @param stopOnExit whether a JVM shutdown removes the container or pod (else it is left running)
     * @param image the image, for messages
     * @param memoryBytes the memory limit, for the message of a block the kernel killed; 0 for none
     */
    public ResidentRunner(RunnerHost host, boolean stopOnExit, String image, long memoryBytes) {
        this.host = host;
        this.stopOnExit = stopOnExit;
        this.image = image;
        this.memoryBytes = memoryBytes;
    }

    @Override
    public Path workDir() {
        return host.workDir();
    }

    @Override
    public Launch launch(Language language, String relativeFile) {
        Map<String, String> found = host.interpreters();
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
        if (written && host.mirrorsWorkDir()) {
            HostWorkDir.write(host.workDir(), relativeName, content, reuseSameSize);
        }
        return written;
    }

    /** {@code name} in the host work dir, when it is a name inside it (names can come from the container). */
    private Optional<Path> hostPath(String name) {
        Path workDir = host.workDir();
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
        if (host.mirrorsWorkDir()) {
            HostWorkDir.delete(host.workDir(), relativeNames);
        }
    }

    @Override
    public Optional<Map<String, String>> listFiles(int limit) throws IOException {
        return files(control(true, CONTROL_MILLIS,
                connection -> connection.request(Map.of("op", "list", "limit", limit), null, null)));
    }

    /**
     * Sends the listing at once (the runner lists before it reads the next request) and answers
     * when its reply comes; a connection that cannot send is replaced by a plain {@link #listFiles}.
     */
    @Override
    public CompletableFuture<Optional<Map<String, String>>> listFilesAsync(int limit) {
        CompletableFuture<JsonNode> reply;
        try {
            RunnerConnection connection = host.connection();
            reply = connection.requestLater(Map.of("op", "list", "limit", limit));
            ScheduledFuture<?> late = closeIfLate(connection, CONTROL_MILLIS);
            reply.whenComplete((answer, failure) -> late.cancel(false));
        } catch (IOException | RuntimeException e) {
            return Runner.super.listFilesAsync(limit);
        }
        return reply.thenApply(ResidentRunner::files);
    }

    private static Optional<Map<String, String>> files(JsonNode reply) {
        JsonNode files = reply.path("files");
        if (files.isNull() || files.isMissingNode()) {
            return Optional.empty();
        }
        // Field by field: the mapper's conversion costs far more while the JVM is cold.
        Map<String, String> stamps = new HashMap<>(files.size() * 2);
        files.fields().forEachRemaining(entry -> stamps.put(entry.getKey(), entry.getValue().asText()));
        return Optional.of(stamps);
    }

    @Override
    public List<Path> exportFiles(List<String> relativeNames) throws IOException {
        Path workDir = host.workDir();
        if (!host.mirrorsWorkDir()) {
            return HostWorkDir.resolve(workDir, relativeNames); // the host work dir is /workspace
        }
        List<Path> exported = new ArrayList<>();
        // Code chooses the files' sizes, and sparse files take no room in the container: what is
        // copied out in all is bounded by the size of the work dir, as if they were not sparse.
        long budget = host.copyBytes();
        for (String name : relativeNames) {
            // Names come from the container, whose code can answer in the runner's place: stay in the work dir.
            Optional<Path> target = hostPath(name);
            try {
                if (target.isPresent() && copyOut(name, target.get(), budget)) {
                    exported.add(target.get());
                    budget -= Files.size(target.get());
                }
            } catch (WorkDirCopies.TooLargeException e) {
                LOG.warn("{} of {} {} and the files after it are not copied out: together larger than its work dir's {}",
                        name, host.kind(), host.name(), ByteSize.format(host.copyBytes()));
                break;
            }
        }
        return exported;
    }

    /** Fails a write past {@code limit} bytes, which only a runner that broke the protocol sends. */
    private static final class LimitedOutputStream extends java.io.FilterOutputStream {
        private final String name;
        private long left;

        LimitedOutputStream(OutputStream out, long limit, String name) {
            super(out);
            this.left = limit;
            this.name = name;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > left) {
                throw new RunnerConnection.ProtocolException("the runner sent more of " + name + " than the limit it was given");
            }
            left -= length;
            out.write(bytes, offset, length);
        }
    }

    /**
     * {@link #copyIn(Path, String)} for an executor's API: {@code path} is absolute in {@code root}
     * (the container's or pod's work dir) or relative to it.
     *
     * @throws IllegalArgumentException when {@code path} is not a file name inside {@code root}
     * @throws IOException when the copy fails or the name leads out of the work dir through a link
     */
    public void copyIn(Path source, String path, String root) throws IOException {
        if (!copyIn(source, relative(path, root))) {
            throw new IOException(path + " leads out of " + root + " through a link or something that is not a directory");
        }
    }

    /**
     * {@link #copyOut(String, Path, long)} for an executor's API: {@code path} is absolute in
     * {@code root} or relative to it.
     *
     * @throws IllegalArgumentException when {@code path} is not a file name inside {@code root}, or
     *     {@code limit} is negative
     * @throws java.nio.file.NoSuchFileException when it is not a regular file of the work dir
     * @throws WorkDirCopies.TooLargeException when it is larger than {@code limit}
     * @throws IOException when the copy fails
     */
    public void copyOut(String path, Path target, String root, long limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + limit);
        }
        if (!copyOut(relative(path, root), target, limit)) {
            throw new java.nio.file.NoSuchFileException(path, null, "not a regular file of " + root
                    + " (missing, a link, a directory or a device)");
        }
    }

    /** {@code path} relative to {@code root}, {@code /} separated, without {@code .} or {@code ..}. */
    public static String relative(String path, String root) {
        String prefix = root + "/";
        String name = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/")
                || java.util.Arrays.stream(name.split("/")).anyMatch(part -> part.isEmpty() || part.equals(".") || part.equals(".."))) {
            throw new IllegalArgumentException("not a file inside " + root + ": " + path);
        }
        return name;
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
     * @param limit the most bytes copied; a larger file is not copied, and no more than {@code limit}
     *     bytes reach the host even from a runner that ignores the limit
     * @return false when the name is not a regular file of the work dir (a link, a directory, missing)
     * @throws WorkDirCopies.TooLargeException when the file is larger than {@code limit}
     * @throws IOException when the copy fails
     */
    public boolean copyOut(String relativeName, Path target, long limit) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".codebox-", ".tmp");
        try {
            JsonNode reply;
            try (OutputStream out = new LimitedOutputStream(Files.newOutputStream(temp, LinkOption.NOFOLLOW_LINKS), limit,
                    relativeName)) {
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
                throw new WorkDirCopies.TooLargeException(relativeName, limit);
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
            RunnerConnection connection = host.connection();
            ScheduledFuture<?> late = closeIfLate(connection, millis);
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

    /**
     * Closes {@code connection}, and has the host checked before its next request, unless the
     * returned future is cancelled within {@code millis}: a runner that does not answer a request.
     */
    private ScheduledFuture<?> closeIfLate(RunnerConnection connection, long millis) {
        return TIMER.schedule(() -> {
            host.suspect();
            connection.close();
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public RunOutcome run(List<String> command, BlockOutput sink, Duration timeout, CancellationToken token) {
        if (token.isCancelled()) {
            return RunOutcome.cancelled();
        }
        RunnerConnection connection = host.connection();
        RunnerConnection.Run run;
        try {
            run = connection.run(runRequest(command, timeout), sink);
        } catch (IOException e) {
            return lost(e, sink);
        }
        return follow(connection, run, sink, timeout, token);
    }

    /**
     * Sends the code file and the run together: one round trip less than {@link #writeFile} then
     * {@link #run}. A connection that ends before the write is answered is replaced, and the two
     * are sent again in turn.
     */
    @Override
    public Optional<RunOutcome> writeAndRun(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token) throws IOException {
        return writeAndRun(relativeName, content, reuseSameSize, command, sink, timeout, token, -1).map(ListedRun::outcome);
    }

    /**
     * As {@link #writeAndRun}, the run asking the runner for the listing with its exit: one round
     * trip less than a listing after the run. A run that ended without one (timed out, cancelled,
     * lost) is followed by a listing request.
     */
    @Override
    public Optional<ListedRun> writeRunAndList(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token, int limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("a negative limit: " + limit);
        }
        return writeAndRun(relativeName, content, reuseSameSize, command, sink, timeout, token, limit);
    }

    /** @param limit the listing's limit, or -1 for none (the result's filesAfter is null then) */
    private Optional<ListedRun> writeAndRun(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token, int limit) throws IOException {
        if (token.isCancelled()) {
            return inTurn(relativeName, content, reuseSameSize, command, sink, timeout, token, limit);
        }
        RunnerConnection connection = host.connection();
        ScheduledFuture<?> late = closeIfLate(connection, CONTROL_MILLIS);
        Map<String, Object> request = runRequest(command, timeout);
        if (limit >= 0) {
            request.put("list", limit);
        }
        RunnerConnection.Run run;
        JsonNode written;
        try {
            run = connection.writeAndRun(relativeName, content, reuseSameSize, request, sink);
            written = run.written();
        } catch (RunnerConnection.ProtocolException e) {
            throw e;
        } catch (IOException e) {
            if (late.isDone()) {
                throw e;
            }
            LOG.debug("the connection to the runner ended ({}); writing and running in turn", e.toString());
            return inTurn(relativeName, content, reuseSameSize, command, sink, timeout, token, limit);
        } finally {
            late.cancel(false);
        }
        if (!written(written)) {
            return Optional.empty(); // the runner did not start the run
        }
        if (host.mirrorsWorkDir()) {
            HostWorkDir.write(host.workDir(), relativeName, content, reuseSameSize);
        }
        RunOutcome outcome = follow(connection, run, sink, timeout, token);
        CompletableFuture<Optional<Map<String, String>>> filesAfter = null;
        if (limit >= 0) {
            filesAfter = run.listing().map(listing -> CompletableFuture.completedFuture(files(listing)))
                    .orElseGet(() -> listFilesAsync(limit));
        }
        return Optional.of(new ListedRun(outcome, filesAfter));
    }

    /** The write and the run one after the other, and the listing after them when asked. */
    private Optional<ListedRun> inTurn(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token, int limit) throws IOException {
        return limit < 0
                ? Runner.super.writeAndRun(relativeName, content, reuseSameSize, command, sink, timeout, token)
                        .map(outcome -> new ListedRun(outcome, null))
                : Runner.super.writeRunAndList(relativeName, content, reuseSameSize, command, sink, timeout, token, limit);
    }

    private static Map<String, Object> runRequest(List<String> command, Duration timeout) {
        Map<String, Object> request = new java.util.LinkedHashMap<>();
        request.put("op", "run");
        request.put("argv", command);
        request.put("timeout_ms", timeout.toMillis());
        return request;
    }

    /** Waits for a started run's exit, killing it on timeout or cancellation. */
    @SuppressWarnings("try") // the cancellation registration is only closed
    private RunOutcome follow(RunnerConnection connection, RunnerConnection.Run run, BlockOutput sink, Duration timeout,
            CancellationToken token) {
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
            if (exit.notRun()) {
                return lost(new RunnerConnection.ProtocolException("the runner did not run a block whose file it wrote"), sink);
            }
            if (exit.outOfMemory()) {
                sink.writeLine("codebox: memory limit exceeded: the " + host.kind() + " hit its memory limit"
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
            sink.writeLine("codebox: the block did not finish: " + host.describeLoss()
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
            KILLER.execute(run::kill);
            TIMER.schedule(() -> {
                if (!run.isDone()) {
                    host.suspect();
                    connection.close();
                }
            }, KILL_CONFIRM_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        if (!stopOnExit && shutdownInProgress()) {
            LOG.info("leaving {} {} running at exit (stop on exit is off)", host.kind(), host.name());
            return;
        }
        host.close();
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
