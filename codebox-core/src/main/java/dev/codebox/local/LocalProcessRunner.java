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
import java.util.HashMap;
import java.util.Optional;
import java.util.OptionalInt;
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
    private static final ExecutorService PUMPS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-output-pump");
        thread.setDaemon(true);
        return thread;
    });

    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Interpreters interpreters;
    private final ProcessLauncher launcher;
    /** Kills the sessions and removes an owned work dir when this JVM dies without closing the runner. */
    private final Watchdog watchdog;
    private final Optional<Sandbox> sandbox;
    /** The server that forks python blocks (or spawns them, with forking off), unless sandboxed or unsupported. */
    private final Optional<ForkServers> forks;

    LocalProcessRunner(Path workDir, boolean ownsWorkDir, Map<String, String> environment, Interpreters interpreters,
            Optional<Sandbox> sandbox, boolean pythonServer, boolean forkServer) {
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.interpreters = interpreters;
        this.sandbox = sandbox;
        // Python blocks go to a server that forks them or, with forking off, spawns them: neither
        // takes the launcher's standby, which is then first started when a block of another language ends.
        boolean served = pythonServer && sandbox.isEmpty() && ProcessSessions.supported() && interpreters.python().isPresent();
        this.launcher = new ProcessLauncher(workDir, environment, interpreters.setsid(), interpreters.posixShell(),
                sandbox.map(Sandbox::confinement).orElse(ProcessLauncher.Confinement.NONE), !served);
        List<Path> leftovers = new ArrayList<>();
        if (ownsWorkDir) {
            leftovers.add(workDir);
        }
        sandbox.flatMap(Sandbox::cgroup).ifPresent(leftovers::add);
        this.watchdog = Watchdog.start(interpreters.setsid(), interpreters.posixShell(), leftovers);
        this.forks = served
                ? Optional.of(new ForkServers(interpreters.python().get(), workDir,
                        forkServerEnvironment(environment, workDir, interpreters), interpreters.setsid(), !forkServer,
                        watchdog))
                : Optional.empty();
    }

    /**
     * The environment a block gets from a standby, which enters the work dir with {@code cd}: that
     * sets {@code PWD} and {@code OLDPWD}.
     */
    private static Map<String, String> forkServerEnvironment(Map<String, String> environment, Path workDir,
            Interpreters interpreters) {
        if (interpreters.posixShell().isEmpty()) {
            return environment;
        }
        Map<String, String> copy = new HashMap<>(environment);
        copy.put("PWD", workDir.toString());
        copy.put("OLDPWD", workDir.toString());
        return copy;
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
        Block block;
        try {
            block = start(command, sink);
        } catch (IOException e) {
            sink.writeLine("could not start " + command.get(0) + ": " + e.getMessage());
            return RunOutcome.exited(127);
        }
        watchdog.watch(block.session);
        try (CancellationToken.Registration onCancel = token.onCancel(block::killTree)) {
            boolean exited = block.waitFor(timeout);
            if (!exited) {
                block.killTree();
            }
            if (!awaitOutput(block.pump, LINGER_MILLIS)) {
                // A descendant holds the output open after the block ended: it dies with the block.
                block.killTree();
                if (!awaitOutput(block.pump, DRAIN_MILLIS)) {
                    LOG.warn("output of {} is still open after its session was killed: a process left the session", command);
                }
            }
            block.waitFor(Duration.ofMillis(DRAIN_MILLIS));
            if (token.isCancelled()) {
                return RunOutcome.cancelled();
            }
            if (!exited) {
                return RunOutcome.timedOut();
            }
            OptionalInt code = block.exitValue();
            if (code.isEmpty()) {
                sink.writeLine("codebox: the block did not finish: its fork server stopped; the next block gets a new one");
                return RunOutcome.exited(1);
            }
            return RunOutcome.exited(code.getAsInt());
        } finally {
            block.ended();
            watchdog.prune();
        }
    }

    /** Starts {@code command}: through the fork server when it takes it (a python block), else as a process. */
    private Block start(List<String> command, BlockOutput sink) throws IOException {
        if (forks.isPresent() && forks.get().handles(command)) {
            Optional<ForkServer.ForkedBlock> forked = forks.get().start(command.get(1));
            if (forked.isPresent()) {
                return new Forked(forked.get(), sink);
            }
        }
        List<Future<?>> pumps = new ArrayList<>(2);
        Process process = launcher.start(command, started -> pumps.add(pump(started, sink)));
        return new Spawned(process, pumps.get(pumps.size() - 1));
    }

    /** A running block: a process this JVM started, or a child of the fork server. */
    private abstract static class Block {
        /** The block's session id (its main process's pid). */
        final long session;
        /** The copying of its output into the sink; done when every holder has closed the output. */
        final Future<?> pump;

        Block(long session, Future<?> pump) {
            this.session = session;
            this.pump = pump;
        }

        /** Waits for the main process to exit; false on timeout. */
        abstract boolean waitFor(Duration timeout);

        /** The main process's exit code once it exited; empty when it cannot be known. */
        abstract OptionalInt exitValue();

        abstract void killTree();

        abstract void ended();
    }

    private final class Spawned extends Block {
        private final Process process;

        Spawned(Process process, Future<?> pump) {
            super(process.pid(), pump);
            this.process = process;
        }

        @Override
        boolean waitFor(Duration timeout) {
            try {
                return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                return false;
            }
        }

        @Override
        OptionalInt exitValue() {
            return OptionalInt.of(process.exitValue());
        }

        @Override
        void killTree() {
            if (ProcessSessions.supported() && interpreters.setsid().isPresent()) {
                ProcessSessions.kill(List.of(process.pid()));
            } else {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }

        @Override
        void ended() {
            launcher.blockEnded();
        }
    }

    private final class Forked extends Block {
        private final ForkServer.ForkedBlock block;

        Forked(ForkServer.ForkedBlock block, BlockOutput sink) {
            super(block.pid(), PUMPS.submit(() -> {
                try {
                    copy(block.output(), sink);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            this.block = block;
        }

        @Override
        boolean waitFor(Duration timeout) {
            try {
                block.exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killTree();
                return false;
            }
        }

        @Override
        OptionalInt exitValue() {
            int code = block.exit.join();
            return code == ForkServer.ForkedBlock.SERVER_GONE ? OptionalInt.empty() : OptionalInt.of(code);
        }

        @Override
        void killTree() {
            // The child makes itself a session leader right after the fork: a kill before that reaches it by pid.
            ProcessSessions.kill(List.of(session));
            if (!block.exit.isDone()) {
                ProcessHandle.of(session).ifPresent(ProcessHandle::destroyForcibly);
            }
        }

        @Override
        void ended() {
            block.abandon();
            forks.get().blockEnded(block);
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

    @Override
    public void close() {
        forks.ifPresent(ForkServers::close);
        launcher.close();
        watchdog.killSessions();
        sandbox.ifPresent(Sandbox::close);
        // Before the watchdog ends, which then finds nothing left to remove.
        if (ownsWorkDir) {
            TempDirs.deleteRecursively(workDir);
        }
        watchdog.close();
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
