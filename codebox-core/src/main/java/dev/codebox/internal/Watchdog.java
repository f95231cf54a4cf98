package dev.codebox.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small shell process that outlives this JVM to clean up after it: it is told the process
 * sessions an executor starts and, when its input pipe ends (at {@link #close()}, or because the JVM
 * died, even by {@code kill -9}), kills every process of those sessions and removes the given paths
 * (a temporary work dir, a kernel's connection file). Without it, a JVM killed in the middle of a
 * block would leave the block running as an orphan and its files in the temp dir.
 *
 * <p>Not meant for applications: part of codebox's local executor and local kernels. Its methods
 * never throw; when no shell is installed it does nothing.
 */
public final class Watchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final String SCRIPT = Resources.read(Watchdog.class, "watchdog.sh");
    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final int PRUNE_THRESHOLD = 256;

    private final Process process;
    private final OutputStream input;
    /** The sessions of the executor (or kernel) that may still have processes: also what the script knows of. */
    private final Set<Long> sessions = new HashSet<>();

    private Watchdog(Process process) {
        this.process = process;
        this.input = process == null ? null : process.getOutputStream();
    }

    /**
     * Starts a watchdog that removes {@code paths} when it ends.
     *
     * @param setsid util-linux {@code setsid}, when installed, to give the watchdog a session of its own
     * @param sh a POSIX shell; without one the watchdog does nothing
     */
    public static Watchdog start(Optional<String> setsid, Optional<String> sh, List<Path> paths) {
        if (sh.isEmpty()) {
            return new Watchdog(null);
        }
        List<String> argv = new ArrayList<>();
        setsid.ifPresent(argv::add);
        argv.addAll(List.of(sh.get(), "-c", SCRIPT, "codebox-watchdog"));
        paths.forEach(path -> argv.add(path.toString()));
        try {
            Process process = new ProcessBuilder(argv)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return new Watchdog(process);
        } catch (IOException e) {
            LOG.warn("could not start the watchdog ({}); a JVM killed during a block would leave it running", e.toString());
            return new Watchdog(null);
        }
    }

    /** Tells the watchdog about a new session. */
    public synchronized void watch(long session) {
        sessions.add(session);
        send(session + "\n");
    }

    /**
     * Forgets the sessions that have no live process left, once it knows more than
     * {@value #PRUNE_THRESHOLD} (one scan of {@code /proc}), so that a long-lived executor's list
     * stays small.
     */
    public synchronized void prune() {
        if (sessions.size() > PRUNE_THRESHOLD && ProcessSessions.supported()) {
            keepOnly(ProcessSessions.live(sessions));
        }
    }

    /**
     * Kills every process of the sessions it knows (see {@link ProcessSessions#kill}) and keeps only
     * those that survived, so that {@link #close()} need not look for them again: the one scan of
     * {@code /proc} of a runner's close.
     */
    public synchronized void killSessions() {
        if (!sessions.isEmpty() && ProcessSessions.supported()) {
            keepOnly(ProcessSessions.kill(sessions));
        }
    }

    /** Tells the watchdog that only {@code alive} of its sessions may still be alive. */
    private void keepOnly(Set<Long> alive) {
        if (alive.size() == sessions.size()) {
            return;
        }
        sessions.clear();
        sessions.addAll(alive);
        StringBuilder lines = new StringBuilder("reset\n");
        alive.forEach(session -> lines.append(session).append('\n'));
        send(lines.toString());
    }

    /** How many sessions it knows (for tests). */
    synchronized int watched() {
        return sessions.size();
    }

    private synchronized void send(String lines) {
        if (input == null) {
            return;
        }
        try {
            input.write(lines.getBytes(StandardCharsets.US_ASCII));
            input.flush();
        } catch (IOException e) {
            LOG.debug("the watchdog is gone: {}", e.toString());
        }
    }

    /**
     * Ends the watchdog's input: it kills what is left of the sessions, removes its paths and exits.
     * Sessions already gone (the executor kills its own) are taken off its list first, so that it
     * need not start {@code pkill}, which scans every process: most of a short executor's close.
     */
    @Override
    public synchronized void close() {
        if (input == null) {
            return;
        }
        if (!sessions.isEmpty() && ProcessSessions.supported()) {
            keepOnly(ProcessSessions.live(sessions));
        }
        try {
            input.close();
        } catch (IOException e) {
            LOG.debug("closing the watchdog's input failed", e);
        }
        try {
            if (!process.waitFor(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("the watchdog did not finish within {} s; leaving it to finish alone", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
