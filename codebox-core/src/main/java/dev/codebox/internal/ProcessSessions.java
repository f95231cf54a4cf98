package dev.codebox.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds and kills every process of a Linux session, by reading {@code /proc}. Each block runs as the
 * leader of a session of its own (through {@code setsid}), so its session holds all its descendants,
 * also those re-parented to init after their parent died, which {@link ProcessHandle#descendants()}
 * misses. Only a process that starts a session of its own escapes.
 *
 * <p>Part of codebox's backend support API: the local runner and the local Jupyter kernel use it.
 */
public final class ProcessSessions {

    private static final Path PROC = Path.of("/proc");
    /** How long {@link #kill} keeps killing before it gives up on a session that keeps forking. */
    private static final long KILL_DEADLINE_NANOS = 2_000_000_000L;
    /** Pause between rounds: lets killed processes run their exit instead of busy-scanning /proc. */
    private static final long ROUND_PAUSE_NANOS = 1_000_000L;

    private ProcessSessions() {
    }

    /** Whether {@code /proc} can be read here (Linux). */
    public static boolean supported() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    /**
     * SIGKILLs every live process whose session is one of {@code sessionIds}, leaders first, again
     * and again until none is left (a process may fork while the previous round runs), for at most
     * two seconds.
     * A killed process is gone only once it has run its exit, so rounds are a millisecond apart:
     * on a busy machine, busy-scanning /proc would take the CPU the dying processes need.
     *
     * @return the sessions that still had a live process when it gave up; empty when all are gone
     */
    public static Set<Long> kill(Collection<Long> sessionIds) {
        if (sessionIds.isEmpty()) {
            return Set.of();
        }
        Set<Long> sessions = new HashSet<>(sessionIds);
        long deadline = System.nanoTime() + KILL_DEADLINE_NANOS;
        while (true) {
            Map<Long, Long> members = members(sessions);
            if (members.isEmpty()) {
                return Set.of();
            }
            if (System.nanoTime() - deadline > 0) {
                return new HashSet<>(members.values());
            }
            for (long pid : killOrder(members.keySet(), sessions)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            // Not Thread.sleep: an interrupted caller must still see its session killed.
            LockSupport.parkNanos(ROUND_PAUSE_NANOS);
        }
    }

    /**
     * The session leaders among {@code pids} (a leader's pid is its session's id), then the others.
     * A shell killed a moment after its foreground child would report the child's death ("Killed")
     * into the block's output; once its own SIGKILL is pending, it runs no more code.
     */
    static List<Long> killOrder(Collection<Long> pids, Set<Long> sessions) {
        List<Long> order = new ArrayList<>(pids.size());
        for (long pid : pids) {
            if (sessions.contains(pid)) {
                order.add(pid);
            }
        }
        for (long pid : pids) {
            if (!sessions.contains(pid)) {
                order.add(pid);
            }
        }
        return order;
    }

    /** The sessions among {@code sessionIds} that still have a live process. */
    public static Set<Long> live(Collection<Long> sessionIds) {
        return new HashSet<>(members(new HashSet<>(sessionIds)).values());
    }

    /** The live members of {@code sessions}: pid to session. */
    private static Map<Long, Long> members(Set<Long> sessions) {
        Map<Long, Long> members = new HashMap<>();
        scan(sessions, members::put);
        return members;
    }

    private interface Visitor {
        void visit(long pid, long session);
    }

    private static void scan(Set<Long> sessions, Visitor visitor) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                String stat;
                try {
                    stat = new String(Files.readAllBytes(entry.resolve("stat")), StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue;
                } catch (IOException e) {
                    continue;
                }
                // "pid (comm) state ppid pgrp session ..." where comm may hold spaces and parentheses.
                int end = stat.lastIndexOf(')');
                if (end < 0) {
                    continue;
                }
                String[] fields = stat.substring(end + 2).split(" ", 5);
                if (fields.length < 4 || fields[0].equals("Z") || fields[0].equals("X")) {
                    continue;
                }
                long session = Long.parseLong(fields[3]);
                if (sessions.contains(session)) {
                    visitor.visit(Long.parseLong(name), session);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc to find the processes of a block", e);
        }
    }
}
