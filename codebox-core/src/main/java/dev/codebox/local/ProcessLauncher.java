package dev.codebox.local;

import dev.codebox.internal.Resources;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the processes of blocks, each in a new session when {@code setsid} is installed, in the
 * work dir, with the runner's environment, standard input empty and standard error merged into
 * standard output.
 *
 * <p>To keep process creation off each block's critical path, one process is started ahead of time:
 * a <em>standby</em>, {@code setsid --wait sh -c SCRIPT}, already a session leader in the work dir
 * with the block's environment, waiting on its standard input for the argv to run as its child (a
 * count line, then one argument per line): see standby.sh, also for why a child and not an
 * {@code exec} (the signal mask). Handing a block over costs a pipe write, a fork of the shell and
 * the exec of the interpreter, instead of the JVM's spawn plus the execs of {@code setsid} and the
 * interpreter. The next standby is started in the background when a block ends
 * ({@link #blockEnded()}), so that it is not started beside the running block, except in a batch of
 * blocks handed over back to back, where it is started at hand-over. When no standby is ready (blocks running concurrently) one is started for
 * the block. Commands with an argument holding a line break, which the protocol cannot carry, and
 * every command where there is no shell, are spawned directly.
 */
final class ProcessLauncher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessLauncher.class);
    private static final File DEV_NULL = new File("/dev/null");
    /** The standby's script: see standby.sh. */
    private static final String STANDBY_SCRIPT = Resources.read(ProcessLauncher.class, "standby.sh");
    private static final long CLOSE_WAIT_MILLIS = 1000;
    /** A block handed over within this time of the previous block's end is part of a batch. */
    private static final long BACK_TO_BACK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final ExecutorService REFILLS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-standby-process");
        thread.setDaemon(true);
        return thread;
    });

    private final Path workDir;
    private final Map<String, String> environment;
    private final List<String> sessionPrefix;
    private final List<String> standbyCommand;
    /** What a directly spawned block runs under (the sandbox's limits); a standby applies them ahead of time. */
    private final List<String> spawnPrefix;
    private Process standby;
    private Future<?> refilling;
    /** Whether a caller is waiting for the standby being started; others spawn instead. */
    private boolean awaited;
    /** When the last block ended ({@link System#nanoTime()}), to tell a batch from blocks that come with pauses. */
    private long lastBlockEnded = System.nanoTime() - BACK_TO_BACK_NANOS;
    private boolean closed;

    /**
     * @param setsid util-linux {@code setsid}, when installed
     * @param sh a POSIX shell for the standby, when installed; without it every block is spawned
     * @param confinement what each block runs under before its command: applied by a standby to
     *     itself while it waits, or prefixed to a directly spawned command
     * @param standbyAhead whether the first standby is started now, in the background; else when
     *     the first block started here ends (an executor whose python blocks are forked may never
     *     start a block here, and a process started beside its start-up takes CPU it needs)
     */
    ProcessLauncher(Path workDir, Map<String, String> environment, Optional<String> setsid, Optional<String> sh,
            Confinement confinement, boolean standbyAhead) {
        this.workDir = workDir;
        this.environment = Map.copyOf(environment);
        this.sessionPrefix = setsid.map(path -> List.of(path, "--wait")).orElse(List.of());
        this.spawnPrefix = confinement.spawnPrefix();
        if (sh.isPresent()) {
            List<String> command = new ArrayList<>(sessionPrefix);
            command.addAll(List.of(sh.get(), "-c", STANDBY_SCRIPT, "codebox-block", workDir.toString(),
                    confinement.standbyPrelude()));
            this.standbyCommand = List.copyOf(command);
            if (standbyAhead) {
                synchronized (this) {
                    refilling = REFILLS.submit(this::refill);
                }
            }
        } else {
            this.standbyCommand = List.of();
        }
    }

    /**
     * Starts {@code command}: through the standby when one is ready (or being started), else through
     * one started for it (concurrent blocks); by spawning it directly where there is no shell or an
     * argument holds a line break. {@code beforeRunning} gets the process first: for a standby
     * before the command is handed over, so before it can run or exit; for a spawned process right
     * after the spawn.
     *
     * @throws IOException when the process cannot be started
     */
    Process start(List<String> command, Consumer<Process> beforeRunning) throws IOException {
        if (!standbyCommand.isEmpty() && command.stream().noneMatch(ProcessLauncher::hasLineBreak)) {
            Process standby = takeStandby();
            if (standby == null) {
                // None ready (blocks side by side): one started for this block, which then starts as
                // every other block does.
                standby = spawn(standbyCommand, ProcessBuilder.Redirect.PIPE);
            }
            beforeRunning.accept(standby);
            try {
                handOver(standby, command);
                return standby;
            } catch (IOException e) {
                // The standby died (killed from outside): its output ends, spawn the block instead.
                standby.destroyForcibly();
            }
        }
        List<String> argv = new ArrayList<>(sessionPrefix);
        argv.addAll(spawnPrefix);
        argv.addAll(command);
        Process process = spawn(argv, ProcessBuilder.Redirect.from(DEV_NULL));
        beforeRunning.accept(process);
        return process;
    }

    /**
     * The ready standby, or null. When one is being started and no other caller is waiting for it,
     * waits for it (that is sooner than spawning anew); starts the next one in the background
     * unless the launcher is closed.
     */
    private Process takeStandby() {
        Future<?> inFlight = null;
        synchronized (this) {
            if (standby == null && refilling != null && !refilling.isDone() && !awaited) {
                inFlight = refilling;
                awaited = true;
            }
        }
        if (inFlight != null) {
            await(inFlight);
        }
        Process taken;
        synchronized (this) {
            if (inFlight != null) {
                awaited = false;
            }
            taken = standby;
            standby = null;
            // Blocks coming back to back (a batch): start the next standby now, beside this block,
            // since waiting for it after the block would cost more than running both at once.
            boolean backToBack = System.nanoTime() - lastBlockEnded < BACK_TO_BACK_NANOS;
            if (backToBack && !closed && (refilling == null || refilling.isDone())) {
                refilling = REFILLS.submit(this::refill);
            }
        }
        if (taken != null && !taken.isAlive()) {
            discard(taken);
            return null;
        }
        return taken;
    }

    /**
     * Starts the next standby, unless one is ready or being started: called when a block has ended.
     * Not at hand-over, unless blocks come back to back: on a small machine starting a process beside
     * a running block slows the block down by about as much as the standby saves (measured: 16 ms
     * against 10 ms per {@code bash true} block on 2 cores), while the time between an agent's
     * blocks is usually idle.
     */
    void blockEnded() {
        synchronized (this) {
            lastBlockEnded = System.nanoTime();
            if (!closed && standby == null && (refilling == null || refilling.isDone())) {
                refilling = REFILLS.submit(this::refill);
            }
        }
    }

    private void refill() {
        Process process;
        try {
            process = spawn(standbyCommand, ProcessBuilder.Redirect.PIPE);
        } catch (IOException e) {
            LOG.debug("could not start a standby process", e);
            return;
        }
        synchronized (this) {
            if (!closed && standby == null) {
                standby = process;
                return;
            }
        }
        discard(process);
    }

    private Process spawn(List<String> argv, ProcessBuilder.Redirect input) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectInput(input);
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static void handOver(Process process, List<String> command) throws IOException {
        StringBuilder lines = new StringBuilder().append(command.size()).append('\n');
        command.forEach(argument -> lines.append(argument).append('\n'));
        try (OutputStream in = process.getOutputStream()) {
            in.write(lines.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static boolean hasLineBreak(String argument) {
        return argument.indexOf('\n') >= 0;
    }

    private static void await(Future<?> future) {
        try {
            future.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("starting a standby process failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends an unused standby: it reads the end of its input and exits; it is killed to be sure. */
    private static void discard(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            LOG.debug("closing a standby's input failed", e);
        }
        process.destroyForcibly();
        try {
            process.waitFor(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the standby, after waiting for one being started, so that no process is left. */
    @Override
    public void close() {
        Future<?> inFlight;
        synchronized (this) {
            closed = true;
            inFlight = refilling;
        }
        if (inFlight != null) {
            await(inFlight);
        }
        Process idle;
        synchronized (this) {
            idle = standby;
            standby = null;
        }
        if (idle != null) {
            discard(idle);
        }
    }

    /**
     * Limits a block runs under: {@code standbyPrelude} is shell code a standby runs on itself before
     * it waits (its exit status other than 0 ends the standby), {@code spawnPrefix} the argv prefix
     * of a block spawned without a standby, with the same effect.
     */
    record Confinement(String standbyPrelude, List<String> spawnPrefix) {
        static final Confinement NONE = new Confinement("", List.of());

        Confinement {
            spawnPrefix = List.copyOf(spawnPrefix);
        }
    }
}
