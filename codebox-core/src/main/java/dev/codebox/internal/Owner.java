package dev.codebox.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * This JVM as the owner of what codebox creates elsewhere (containers, pods): its host, process id and
 * start instant, recorded on each, and whether a recorded owner still runs, for pruning.
 */
public final class Owner {

    /** This JVM's process id. */
    public static final String PID = Long.toString(ProcessHandle.current().pid());
    /** This JVM's start instant ({@code unknown} where the system does not say). */
    public static final String START = startOf(ProcessHandle.current()).orElse("unknown");
    /** This machine's host name. */
    public static final String HOST = hostName();

    private Owner() {
    }

    /**
     * Whether the owner recorded as {@code pid} and {@code start} (on this host) still runs: a process
     * with that pid exists and started at that instant (or its start is unknown).
     */
    public static boolean isAlive(String pid, String start) {
        try {
            return ProcessHandle.of(Long.parseLong(pid))
                    .map(process -> startOf(process).map(started -> started.equals(start)).orElse(true))
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Optional<String> startOf(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toString);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
        }
    }
}
