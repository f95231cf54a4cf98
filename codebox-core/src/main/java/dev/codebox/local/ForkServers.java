package dev.codebox.local;

import dev.codebox.internal.Watchdog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fork server of one executor (or, with forking turned off, the same server in spawn mode):
 * started ahead of time, replaced when it died or a site-packages dir changed (a pip install), and
 * left aside (the caller spawns the block) when it cannot start a block. A replaced server stays
 * until its last block has ended, since only it can report their exits.
 */
final class ForkServers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ForkServers.class);
    /** How long a block waits for a forking server that is starting, before it is spawned instead. */
    private static final long READY_MILLIS = 10_000;

    private final String python;
    private final Path workDir;
    private final Map<String, String> environment;
    private final Optional<String> setsid;
    private final boolean spawning;
    private final Watchdog watchdog;
    private final List<ForkServer> retired = new ArrayList<>();
    private ForkServer current;
    private boolean closed;

    /** @param spawning whether the servers spawn each block as a fresh interpreter instead of forking it */
    ForkServers(String python, Path workDir, Map<String, String> environment, Optional<String> setsid, boolean spawning,
            Watchdog watchdog) {
        this.python = python;
        this.spawning = spawning;
        this.workDir = workDir;
        this.environment = Map.copyOf(environment);
        this.setsid = setsid;
        this.watchdog = watchdog;
        synchronized (this) {
            current = startServer();
        }
    }

    /** Whether {@code command} is what a fork server runs: this executor's interpreter and one file. */
    boolean handles(List<String> command) {
        return command.size() == 2 && command.get(0).equals(python);
    }

    /**
     * Starts a block that runs {@code file}, or returns empty when no server can (the caller spawns
     * the block instead).
     */
    Optional<ForkServer.ForkedBlock> start(String file) {
        ForkServer server;
        synchronized (this) {
            if (closed) {
                return Optional.empty();
            }
            server = current;
        }
        if (server == null || !server.awaitReady(READY_MILLIS) || !server.usable()) {
            server = replace(server);
            if (server == null || !server.awaitReady(READY_MILLIS)) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(server.start(file));
        } catch (ForkServer.Declined e) {
            LOG.debug("this block is spawned by the JVM: {}", e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("the fork server failed; this block is spawned and the server replaced: {}", e.getMessage());
            replace(server);
            return Optional.empty();
        }
    }

    /** Retires {@code stale} (when it is still the current server) and starts its successor. */
    private synchronized ForkServer replace(ForkServer stale) {
        if (closed) {
            return null;
        }
        if (current == stale) {
            if (stale != null) {
                retired.add(stale);
            }
            current = startServer();
        }
        closeIdleRetired();
        return current;
    }

    private ForkServer startServer() {
        try {
            ForkServer server = ForkServer.start(python, workDir, environment, setsid, spawning);
            watchdog.watch(server.pid());
            return server;
        } catch (IOException e) {
            LOG.warn("could not start the fork server; python blocks are spawned: {}", e.getMessage());
            return null;
        }
    }

    /**
     * Called when a forked block has ended: its server forks the next standby (when it is still
     * the current one) and replaced servers that have no block left are closed.
     */
    synchronized void blockEnded(ForkServer.ForkedBlock block) {
        if (block.server() == current && current != null) {
            current.blockEnded();
        }
        closeIdleRetired();
    }

    private void closeIdleRetired() {
        retired.removeIf(server -> {
            if (server.idle()) {
                server.close();
                return true;
            }
            return false;
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (current != null) {
            current.close();
            current = null;
        }
        retired.forEach(ForkServer::close);
        retired.clear();
    }
}
