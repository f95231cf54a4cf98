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

    /** Marks a use starting; {@link #endUse()} ends it. A session in use is never expired. */
    void beginUse() {
        running.incrementAndGet();
        lastUsedAt = Instant.now();
    }

    void endUse() {
        lastUsedAt = Instant.now();
        running.decrementAndGet();
    }

    void touch() {
        lastUsedAt = Instant.now();
    }

    boolean inUse() {
        return running.get() > 0;
    }

    /** Stops the executor (cancelling what runs) and deletes the work dir. */
    void close() {
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
