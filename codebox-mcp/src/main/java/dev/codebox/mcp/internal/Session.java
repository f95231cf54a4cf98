package dev.codebox.mcp.internal;

import dev.codebox.CodeExecutor;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An executor with its own work dir, owned by one client identity. */
final class Session {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final String id;
    private final String owner;
    private final String executorName;
    private final Optional<String> kernel;
    private final List<String> languages;
    private final CodeExecutor executor;
    private final ConfinedDir files;
    private final Instant createdAt = Instant.now();
    private volatile Instant lastUsedAt = createdAt;
    private final AtomicInteger running = new AtomicInteger();
    private boolean closed;

    Session(String id, String owner, String executorName, Optional<String> kernel, List<String> languages,
            CodeExecutor executor, ConfinedDir files) {
        this.id = id;
        this.owner = owner;
        this.executorName = executorName;
        this.kernel = kernel;
        this.languages = List.copyOf(languages);
        this.executor = executor;
        this.files = files;
    }

    String id() {
        return id;
    }

    String owner() {
        return owner;
    }

    String executorName() {
        return executorName;
    }

    Optional<String> kernel() {
        return kernel;
    }

    List<String> languages() {
        return languages;
    }

    CodeExecutor executor() {
        return executor;
    }

    ConfinedDir files() {
        return files;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant lastUsedAt() {
        return lastUsedAt;
    }

    /**
     * Marks a use starting, unless the session is closed; {@link #endUse()} ends it. A session in
     * use is never expired.
     *
     * @return false when the session is closed
     */
    synchronized boolean beginUse() {
        if (closed) {
            return false;
        }
        running.incrementAndGet();
        lastUsedAt = Instant.now();
        return true;
    }

    /**
     * Ends a use. A close that came after {@link #beginUse()} but before the execution reached
     * the executor may have been undone by it (an executor starts again when asked to execute):
     * the session is then closed again, so that no container, pod or kernel outlives it.
     */
    void endUse() {
        lastUsedAt = Instant.now();
        running.decrementAndGet();
        if (isClosed()) {
            closeResources();
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    void touch() {
        lastUsedAt = Instant.now();
    }

    boolean inUse() {
        return running.get() > 0;
    }

    /** Stops the executor (cancelling what runs) and deletes the work dir; later uses are refused. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        closeResources();
    }

    private void closeResources() {
        try {
            executor.close();
        } catch (RuntimeException e) {
            LOG.warn("stopping the executor of session {} failed: {}", id, e.toString());
        }
        try {
            files.deleteTree();
        } catch (IOException | RuntimeException e) {
            LOG.warn("deleting the work dir of session {} failed: {}", id, e.toString());
        }
    }
}
