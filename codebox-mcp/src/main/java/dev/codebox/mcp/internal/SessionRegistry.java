package dev.codebox.mcp.internal;

import dev.codebox.CodeExecutor;
import dev.codebox.CodeExecutorException;
import dev.codebox.mcp.ExecutorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open sessions: created up to a limit, found only by their owner, closed on request, when idle
 * longer than the time-to-live, and all at once when the server stops.
 */
final class SessionRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ExecutorProvider provider;
    private final Limits limits;
    private final Path tempRoot;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** The executors of one-off runs in progress: not sessions, but stopped with the server all the same. */
    private final Map<String, Session> oneOffs = new ConcurrentHashMap<>();
    /** Sessions open or being created: the max-sessions count includes those still starting. */
    private final AtomicInteger reserved = new AtomicInteger();
    private volatile boolean closed;
    /** Closes the sessions the idle sweep ends. */
    private final java.util.concurrent.ExecutorService closer = java.util.concurrent.Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-mcp-close");
        thread.setDaemon(true);
        return thread;
    });

    SessionRegistry(ExecutorProvider provider, Limits limits, Path tempRoot, ScheduledExecutorService timer) {
        this.provider = provider;
        this.limits = limits;
        this.tempRoot = tempRoot;
        long sweepMillis = Math.max(200, Math.min(limits.sessionIdleTimeout().toMillis() / 4, 30_000));
        timer.scheduleWithFixedDelay(this::closeIdle, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** The executor name, or the default one when absent; checked. */
    String executorName(Optional<String> executor) {
        List<String> names = provider.executors();
        if (executor.isEmpty()) {
            return names.get(0);
        }
        String wanted = executor.get().trim();
        if (!names.contains(wanted)) {
            throw new ToolException("unknown executor '" + wanted + "': this server offers " + String.join(", ", names));
        }
        return wanted;
    }

    List<String> executorNames() {
        return provider.executors();
    }

    List<String> languages(String executorName) {
        return provider.languages(executorName);
    }

    /**
     * Creates and starts a session.
     *
     * @throws ToolException when the limit of sessions is reached or the executor cannot start
     */
    Session create(String owner, Optional<String> executor, Optional<String> kernel) {
        String name = executorName(executor);
        if (reserved.incrementAndGet() > limits.maxSessions()) {
            reserved.decrementAndGet();
            throw new ToolException("too many sessions: the server keeps at most " + limits.maxSessions()
                    + "; close one with close_session first");
        }
        try {
            Session session = open(owner, name, kernel);
            if (closed) {
                session.close();
                throw new ToolException("the server is shutting down");
            }
            sessions.put(session.id(), session);
            return session;
        } catch (RuntimeException e) {
            reserved.decrementAndGet();
            throw e;
        }
    }

    /** A started session for one run, invisible to clients; the caller ends it with {@link #closeOneOff}. */
    Session oneOff(String owner) {
        Session session = open(owner, provider.executors().get(0), Optional.empty());
        oneOffs.put(session.id(), session);
        if (closed) {
            closeOneOff(session);
            throw new ToolException("the server is shutting down");
        }
        return session;
    }

    void closeOneOff(Session session) {
        if (oneOffs.remove(session.id(), session)) {
            session.close();
        }
    }

    private Session open(String owner, String executorName, Optional<String> kernel) {
        Path dir;
        try {
            dir = Files.createTempDirectory(tempRoot, "codebox-mcp-");
        } catch (IOException e) {
            throw new ToolException("cannot create a work dir: " + e.getMessage());
        }
        ConfinedDir files = new ConfinedDir(dir);
        CodeExecutor executor = null;
        try {
            executor = provider.create(executorName, kernel, dir);
            executor.start();
            return new Session(newId(), owner, executorName, kernel, provider.languages(executorName), executor, files);
        } catch (IllegalArgumentException | CodeExecutorException e) {
            cleanUp(executor, files);
            throw new ToolException("cannot start the " + executorName + " executor: " + e.getMessage());
        } catch (RuntimeException e) {
            cleanUp(executor, files);
            throw e;
        }
    }

    private static void cleanUp(CodeExecutor executor, ConfinedDir files) {
        if (executor != null) {
            try {
                executor.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping a failed executor failed: {}", e.toString());
            }
        }
        try {
            files.deleteTree();
        } catch (IOException e) {
            LOG.warn("deleting {} failed: {}", files.root(), e.toString());
        }
    }

    /**
     * The session {@code id} of {@code owner}.
     *
     * @throws ToolException when there is none (another owner's session is reported the same way)
     */
    Session get(String owner, String id) {
        Session session = sessions.get(id);
        if (session == null || !session.owner().equals(owner)) {
            throw new ToolException("no session " + id + " (closed, expired after "
                    + limits.sessionIdleTimeout().toMinutes() + " idle minutes, or never created)");
        }
        return session;
    }

    /** Closes the session {@code id} of {@code owner}; see {@link #get}. */
    void close(String owner, String id) {
        Session session = get(owner, id);
        if (sessions.remove(id, session)) {
            reserved.decrementAndGet();
            session.close();
        }
    }

    /** The sessions of {@code owner}, oldest first. */
    List<Session> list(String owner) {
        List<Session> mine = new ArrayList<>();
        for (Session session : sessions.values()) {
            if (session.owner().equals(owner)) {
                mine.add(session);
            }
        }
        mine.sort(Comparator.comparing(Session::createdAt));
        return mine;
    }

    private void closeIdle() {
        Instant cutoff = Instant.now().minus(limits.sessionIdleTimeout());
        for (Session session : sessions.values()) {
            if (!session.inUse() && session.lastUsedAt().isBefore(cutoff) && sessions.remove(session.id(), session)) {
                reserved.decrementAndGet();
                LOG.info("session {} closed after {} idle", session.id(), human(limits.sessionIdleTimeout()));
                // Not on the timer: a pod's deletion takes seconds, and the timer fires every
                // client's deadlines and progress.
                closer.execute(session::close);
            }
        }
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** Closes every session; later creations fail. */
    @Override
    public void close() {
        closed = true;
        for (Session session : oneOffs.values()) {
            closeOneOff(session);
        }
        for (Session session : sessions.values()) {
            if (sessions.remove(session.id(), session)) {
                reserved.decrementAndGet();
                session.close();
            }
        }
        closer.shutdown();
        try {
            if (!closer.awaitTermination(2, TimeUnit.MINUTES)) {
                LOG.warn("sessions closed for idleness were still closing after 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "s-" + HexFormat.of().formatHex(bytes);
    }
}
