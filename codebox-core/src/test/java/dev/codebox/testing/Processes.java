package dev.codebox.testing;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Looks for processes by a marker in their command line, to prove that none was left behind. */
public final class Processes {

    private Processes() {
    }

    /** Live processes whose command line contains {@code marker}. */
    public static List<ProcessHandle> withMarker(String marker) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .collect(Collectors.toList());
    }

    /** Waits up to {@code timeout} for every process with {@code marker} to be gone; returns those left. */
    public static List<ProcessHandle> awaitGone(String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> left = withMarker(marker);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = withMarker(marker);
        }
        return left;
    }

    /** Waits up to {@code timeout} for a process with {@code marker} to appear; returns those found. */
    public static List<ProcessHandle> awaitPresent(String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> found = withMarker(marker);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            found = withMarker(marker);
        }
        return found;
    }

    /** A sleep duration unique to one test, usable as a marker: {@code 600.<random digits>}. */
    public static String uniqueSleep() {
        return "600." + (100000 + (long) (Math.random() * 899999));
    }
}
