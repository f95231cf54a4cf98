package dev.codebox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codebox.testing.Processes;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog with real sessions: what it kills and removes when its input ends, and that pruning
 * and killing shrink its list (in the JVM and in the script) without dropping a live session.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchdogTest {

    private static final Optional<String> SETSID = Executables.onPath("setsid").map(Path::toString);
    private static final Optional<String> SH = Optional.of("/bin/sh");

    private final List<Process> started = new ArrayList<>();
    private Path dir;

    @BeforeEach
    void linux() throws Exception {
        assumeTrue(ProcessSessions.supported() && SETSID.isPresent(), "needs /proc and util-linux setsid");
        dir = TempDirs.create();
    }

    @AfterEach
    void cleanUp() throws Exception {
        started.forEach(Process::destroyForcibly);
        if (dir != null) {
            TempDirs.deleteRecursively(dir);
        }
    }

    @Test
    void endingItsInputKillsEverySessionAndRemovesItsPaths() throws Exception {
        String marker = Processes.uniqueSleep();
        Path workDir = Files.createDirectory(dir.resolve("work"));
        Files.writeString(workDir.resolve("file"), "x");
        Watchdog watchdog = Watchdog.start(SETSID, SH, List.of(workDir));
        // A session whose leader left a background process behind: both go.
        watchdog.watch(session("sh", "-c", "(sleep " + marker + " &); exec sleep " + marker));
        awaitCount(marker, 2);
        watchdog.close();
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(5)));
        assertFalse(Files.exists(workDir), "the work dir outlived the watchdog");
    }

    @Test
    void aLinkAmongItsPathsIsRemovedNotFollowed() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), outside);
        Watchdog.start(SETSID, SH, List.of(link)).close();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "the link was left");
        assertTrue(Files.exists(outside.resolve("keep")), "the watchdog removed what a link pointed to");
    }

    @Test
    void pruningForgetsEndedSessionsAndKeepsTheLiveOne() throws Exception {
        String marker = Processes.uniqueSleep();
        Watchdog watchdog = Watchdog.start(SETSID, SH, List.of());
        long live = session("sleep", marker);
        watchdog.watch(live);
        for (int i = 0; i < 10; i++) {
            watchdog.watch(endedSession());
        }
        watchdog.prune();
        assertEquals(11, watchdog.watched(), "pruned below the threshold: a scan of /proc for a short list");
        for (int i = 0; i < 250; i++) {
            watchdog.watch(endedSession());
        }
        watchdog.prune();
        assertEquals(1, watchdog.watched());
        // The script got the reset with the live session: its end still kills it.
        watchdog.close();
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(5)));
    }

    @Test
    void killingSessionsLeavesNothingForItsEnd() throws Exception {
        String marker = Processes.uniqueSleep();
        Watchdog watchdog = Watchdog.start(SETSID, SH, List.of());
        watchdog.watch(session("sh", "-c", "(sleep " + marker + " &); exec sleep " + marker));
        awaitCount(marker, 2);
        watchdog.killSessions();
        assertEquals(List.of(), Processes.withMarker(marker));
        assertEquals(0, watchdog.watched());
        watchdog.close();
    }

    /** Starts {@code command} as the leader of a new session; returns the session's id (its pid). */
    private long session(String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of(SETSID.get()));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(process);
        // A child of the JVM leads no process group, so setsid execs the command in place: pid = session.
        return process.pid();
    }

    private long endedSession() throws Exception {
        Process process = new ProcessBuilder(SETSID.get(), "true").start();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return process.pid();
    }

    /** Waits until exactly {@code count} processes carry the marker (a shell forks before it execs). */
    private static void awaitCount(String marker, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Processes.withMarker(marker).size() != count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, Processes.withMarker(marker).size(), Processes.withMarker(marker).toString());
    }
}
