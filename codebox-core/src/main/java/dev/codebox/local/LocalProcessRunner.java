package dev.codebox.local;

import dev.codebox.CancellationToken;
import dev.codebox.Language;
import dev.codebox.internal.ProcessSessions;
import dev.codebox.internal.TempDirs;
import dev.codebox.internal.Watchdog;
import dev.codebox.internal.pipeline.HostWorkDir;
import dev.codebox.spi.BlockOutput;
import dev.codebox.spi.Launch;
import dev.codebox.spi.RunOutcome;
import dev.codebox.spi.Runner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands as local processes, each the leader of a new session ({@code setsid}) so that its
 * whole tree can be killed on timeout, cancellation and close. Standard output and standard error
 * share one pipe, so their lines stay in the order the code wrote them; standard input is empty.
 * Processes are started by a {@link ProcessLauncher}, which keeps one ready ahead of time.
 */
final class LocalProcessRunner implements Runner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessRunner.class);
    /** How long output may keep coming after the main process exited before its session is killed. */
    private static final long LINGER_MILLIS = 100;
    /** How long to wait for the end of output once the session was killed. */
    private static final long DRAIN_MILLIS = 1000;
    private static final int PRUNE_THRESHOLD = 256;
    private static final ExecutorService PUMPS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-output-pump");
        thread.setDaemon(true);
        return thread;
    });

    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Interpreters interpreters;
    private final ProcessLauncher launcher;
    private final Set<Long> sessions = ConcurrentHashMap.newKeySet();
    /** Kills the sessions and removes an owned work dir when this JVM dies without closing the runner. */
    private final Watchdog watchdog;
    private final Optional<Sandbox> sandbox;

    LocalProcessRunner(Path workDir, boolean ownsWorkDir, Map<String, String> environment, Interpreters interpreters,
            Optional<Sandbox> sandbox) {
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.interpreters = interpreters;
        this.sandbox = sandbox;
        this.launcher = new ProcessLauncher(workDir, environment, interpreters.setsid(), interpreters.posixShell(),
                sandbox.map(Sandbox::confinement).orElse(ProcessLauncher.Confinement.NONE));
        List<Path> leftovers = new ArrayList<>();
        if (ownsWorkDir) {
            leftovers.add(workDir);
        }
        sandbox.flatMap(Sandbox::cgroup).ifPresent(leftovers::add);
        this.watchdog = Watchdog.start(interpreters.setsid(), interpreters.posixShell(), leftovers);
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public Launch launch(Language language, String relativeFile) {
        Launch launch = Launch.forLanguage(language, relativeFile,
                name -> language == Language.PYTHON ? interpreters.python() : interpreters.find(name),
                () -> missing(language));
        return launch.isRefused() || sandbox.isEmpty() ? launch : Launch.of(sandbox.get().wrap(launch.command()));
    }

    private String missing(Language language) {
        switch (language) {
            case PYTHON:
                return "Python interpreter not found: " + interpreters.pythonName();
            case PWSH:
                return "PowerShell is not installed: neither pwsh nor powershell is on PATH";
            default:
                return language.canonicalName() + " is not installed: no " + language.canonicalName() + " on PATH";
        }
    }

    @Override
    public boolean writeFile(String relativeName, byte[] content, boolean reuseSameSize) throws IOException {
        if (!Files.isDirectory(workDir, LinkOption.NOFOLLOW_LINKS)) {
            // Code deleted the work dir: the executor's next block runs in a new one of the same name.
            Files.createDirectories(workDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return HostWorkDir.write(workDir, relativeName, content, reuseSameSize);
    }

    @Override
    public void deleteFiles(List<String> relativeNames) throws IOException {
        HostWorkDir.delete(workDir, relativeNames);
    }

    @Override
    public Optional<Map<String, String>> listFiles(int limit) throws IOException {
        return HostWorkDir.list(workDir, limit);
    }

    @Override
    public List<Path> exportFiles(List<String> relativeNames) {
        return HostWorkDir.resolve(workDir, relativeNames);
    }

    @Override
    public RunOutcome run(List<String> command, BlockOutput output, Duration timeout, CancellationToken token) {
        if (sandbox.isEmpty()) {
            return runCommand(command, output, timeout, token);
        }
        long processLimitHits = sandbox.get().processLimitHits();
        MemoryErrorWatch sink = new MemoryErrorWatch(output);
        RunOutcome outcome = runCommand(command, sink, timeout, token);
        if (outcome.ending() == RunOutcome.Ending.EXITED) {
            sandbox.get().limitMessage(outcome.exitCode(), sink.seen(), processLimitHits).ifPresent(output::writeLine);
        }
        return outcome;
    }

    private RunOutcome runCommand(List<String> command, BlockOutput sink, Duration timeout, CancellationToken token) {
        if (token.isCancelled()) {
            return RunOutcome.cancelled();
        }
        Process process;
        List<Future<?>> pumps = new ArrayList<>(2);
        try {
            process = launcher.start(command, started -> pumps.add(pump(started, sink)));
        } catch (IOException e) {
            sink.writeLine("could not start " + command.get(0) + ": " + e.getMessage());
            return RunOutcome.exited(127);
        }
        long session = process.pid();
        sessions.add(session);
        watchdog.watch(session);
        Future<?> pump = pumps.get(pumps.size() - 1);
        try (CancellationToken.Registration onCancel = token.onCancel(() -> killTree(process))) {
            boolean exited = waitFor(process, timeout);
            if (!exited) {
                killTree(process);
            }
            if (!awaitOutput(pump, LINGER_MILLIS)) {
                // A descendant holds the output open after the block ended: it dies with the block.
                killTree(process);
                if (!awaitOutput(pump, DRAIN_MILLIS)) {
                    LOG.warn("output of {} is still open after its session was killed: a process left the session", command);
                }
            }
            waitFor(process, Duration.ofMillis(DRAIN_MILLIS));
            if (token.isCancelled()) {
                return RunOutcome.cancelled();
            }
            if (!exited) {
                return RunOutcome.timedOut();
            }
            return RunOutcome.exited(process.exitValue());
        } finally {
            launcher.blockEnded();
            pruneSessions();
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    private static boolean awaitOutput(Future<?> pump, long millis) {
        try {
            pump.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            LOG.warn("reading output failed", e.getCause());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Starts copying the process's output into {@code sink} and returns once the copying thread
     * holds the output stream's lock. The JDK closes a process's output stream when the process
     * exits unless a read holds that lock: holding it from before the command runs until the end
     * keeps the pipe open while background processes of the block hold it, so that they are seen
     * (and killed with the block) and their output is kept.
     */
    private static Future<?> pump(Process process, BlockOutput sink) {
        InputStream in = process.getInputStream();
        CountDownLatch locked = new CountDownLatch(1);
        Future<?> pump = PUMPS.submit(() -> {
            synchronized (in) {
                locked.countDown();
                copy(in, sink);
            }
        });
        try {
            locked.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pump;
    }

    /** Copies until every process holding the pipe closed it. */
    private static void copy(InputStream in, BlockOutput sink) {
        byte[] buffer = new byte[16 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sink.write(buffer, 0, n);
            }
        } catch (IOException e) {
            LOG.debug("output stream closed", e);
        }
    }

    private void killTree(Process process) {
        if (ProcessSessions.supported() && interpreters.setsid().isPresent()) {
            ProcessSessions.kill(List.of(process.pid()));
        } else {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Forgets sessions whose processes are all gone, so the set stays small. */
    private void pruneSessions() {
        if (sessions.size() > PRUNE_THRESHOLD && ProcessSessions.supported()) {
            sessions.retainAll(ProcessSessions.live(sessions));
            watchdog.reset(sessions);
        }
    }

    @Override
    public void close() {
        launcher.close();
        if (ProcessSessions.supported()) {
            ProcessSessions.kill(sessions);
        }
        sessions.clear();
        sandbox.ifPresent(Sandbox::close);
        watchdog.close();
        if (ownsWorkDir) {
            TempDirs.deleteRecursively(workDir);
        }
    }

    /** Passes output on, noting whether Python reported a MemoryError (the sandbox's memory limit). */
    private static final class MemoryErrorWatch implements BlockOutput {
        private static final byte[] MARK = "MemoryError".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private final BlockOutput out;
        /** How many bytes of MARK the output so far ends with. */
        private int matched;
        private volatile boolean seen;

        MemoryErrorWatch(BlockOutput out) {
            this.out = out;
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            out.write(bytes, offset, length);
            // MARK has no repeated prefix, so a mismatch restarts the match at this byte.
            for (int i = offset; i < offset + length && !seen; i++) {
                matched = bytes[i] == MARK[matched] ? matched + 1 : (bytes[i] == MARK[0] ? 1 : 0);
                seen = matched == MARK.length;
            }
        }

        @Override
        public void writeLine(String line) {
            out.writeLine(line);
        }

        boolean seen() {
            return seen;
        }
    }
}
