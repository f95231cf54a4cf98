package dev.codebox.mcp;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.mcp.internal.Limits;
import dev.codebox.mcp.internal.ServerCore;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An MCP server that runs code for its clients: the tools {@code execute_code},
 * {@code create_session}, {@code close_session}, {@code list_sessions}, {@code upload_file},
 * {@code download_file}, {@code list_files} and {@code list_languages} (see docs/mcp.md), over
 * stdio ({@link #serveStdio}) and streamable HTTP ({@link #serveHttp}), on the official MCP Java SDK.
 *
 * <p>A session is an executor from the {@link ExecutorProvider} with a work dir of its own, owned
 * by the client identity that created it (the bearer token over HTTP). Without a session,
 * {@code execute_code} runs in a fresh executor that is closed after the call. Sessions end on
 * {@code close_session}, after {@link Builder#sessionIdleTimeout idle time}, or at {@link #close()};
 * each leaves nothing behind (processes, containers, kernels, its work dir).
 *
 * <p>Thread-safe. Build with {@link #builder(ExecutorProvider)}.
 */
public final class CodeboxMcpServer implements AutoCloseable {

    /** Default of {@link Builder#maxSessions}. */
    public static final int DEFAULT_MAX_SESSIONS = 16;
    /** Default of {@link Builder#sessionIdleTimeout}. */
    public static final Duration DEFAULT_SESSION_IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** Default of {@link Builder#maxConcurrentExecutions}. */
    public static final int DEFAULT_MAX_CONCURRENT_EXECUTIONS = 8;
    /** Default of {@link Builder#queueTimeout}. */
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@link Builder#maxUploadBytes} and {@link Builder#maxDownloadBytes}: 16 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 16L << 20;
    /** Default of {@link Builder#maxImageBytes}: 8 MiB per result. */
    public static final long DEFAULT_MAX_IMAGE_BYTES = 8L << 20;

    private final ServerCore core;

    private CodeboxMcpServer(Builder builder) {
        Limits limits = new Limits(builder.maxSessions, builder.sessionIdleTimeout, builder.maxConcurrentExecutions,
                builder.queueTimeout, builder.maxUploadBytes, builder.maxDownloadBytes, builder.maxImageBytes,
                builder.maxTimeout);
        this.core = new ServerCore(builder.provider, limits, builder.functionStubs, builder.version, builder.tempRoot);
    }

    public static Builder builder(ExecutorProvider provider) {
        return new Builder(provider);
    }

    /**
     * Serves one client over stdio: JSON-RPC messages, one per line, on {@code in} and {@code out}.
     * Returns when {@code in} ends (the client went away); the sessions stay until {@link #close()}.
     * Nothing but MCP messages is written to {@code out}.
     */
    public void serveStdio(InputStream in, OutputStream out) throws InterruptedException {
        core.serveStdio(Objects.requireNonNull(in, "in"), Objects.requireNonNull(out, "out"));
    }

    /**
     * Starts serving streamable HTTP at {@code /mcp}.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public HttpEndpoint serveHttp(HttpSettings settings) {
        return core.serveHttp(Objects.requireNonNull(settings, "settings"));
    }

    /** Stops the HTTP endpoints and closes every session (cancelling what runs). */
    @Override
    public void close() {
        core.close();
    }

    /** Builds a {@link CodeboxMcpServer}; every setting has a default. */
    public static final class Builder {
        private final ExecutorProvider provider;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private Duration sessionIdleTimeout = DEFAULT_SESSION_IDLE_TIMEOUT;
        private int maxConcurrentExecutions = DEFAULT_MAX_CONCURRENT_EXECUTIONS;
        private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;
        private long maxUploadBytes = DEFAULT_MAX_FILE_BYTES;
        private long maxDownloadBytes = DEFAULT_MAX_FILE_BYTES;
        private long maxImageBytes = DEFAULT_MAX_IMAGE_BYTES;
        private Duration maxTimeout = ExecutorConfigBuilder.DEFAULT_TIMEOUT;
        private Optional<String> functionStubs = Optional.empty();
        private String version = "dev";
        private Path tempRoot = Path.of(System.getProperty("java.io.tmpdir"));

        private Builder(ExecutorProvider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
        }

        /** Sessions open at once, over all clients (default {@value #DEFAULT_MAX_SESSIONS}); create_session fails beyond. */
        public Builder maxSessions(int maxSessions) {
            this.maxSessions = positive(maxSessions, "maxSessions");
            return this;
        }

        /** A session unused for this long is closed and its files deleted (default 30 minutes). */
        public Builder sessionIdleTimeout(Duration timeout) {
            this.sessionIdleTimeout = positive(timeout, "sessionIdleTimeout");
            return this;
        }

        /** Code runs at once, over all clients (default {@value #DEFAULT_MAX_CONCURRENT_EXECUTIONS}); more wait in a queue. */
        public Builder maxConcurrentExecutions(int max) {
            this.maxConcurrentExecutions = positive(max, "maxConcurrentExecutions");
            return this;
        }

        /** How long a run waits in the queue before the call fails as busy (default 30 s). */
        public Builder queueTimeout(Duration timeout) {
            this.queueTimeout = Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("queueTimeout must not be negative");
            }
            return this;
        }

        /** Largest file upload_file accepts (default 16 MiB); also bounds the size of a request. */
        public Builder maxUploadBytes(long bytes) {
            this.maxUploadBytes = positive(bytes, "maxUploadBytes");
            return this;
        }

        /** Largest file download_file returns (default 16 MiB). */
        public Builder maxDownloadBytes(long bytes) {
            this.maxDownloadBytes = positive(bytes, "maxDownloadBytes");
            return this;
        }

        /** Bytes of images and HTML returned inline with one result (default 8 MiB); the rest are listed only. */
        public Builder maxImageBytes(long bytes) {
            this.maxImageBytes = positive(bytes, "maxImageBytes");
            return this;
        }

        /**
         * The executors' timeout, the longest {@code timeout_seconds} can ask for (default
         * {@link ExecutorConfigBuilder#DEFAULT_TIMEOUT}). Set it to the timeout the provider's
         * executors are built with: a shorter {@code timeout_seconds} is enforced by the server,
         * a longer one is capped by the executor.
         */
        public Builder maxTimeout(Duration timeout) {
            this.maxTimeout = positive(timeout, "maxTimeout");
            return this;
        }

        /** Text served as the resource {@code codebox://functions}: what the code can import (default: no resource). */
        public Builder functionStubs(String stubs) {
            this.functionStubs = Optional.of(Objects.requireNonNull(stubs, "stubs"));
            return this;
        }

        /** The version the server reports to clients (default "dev"). */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Where session work dirs are created (default: java.io.tmpdir). */
        public Builder tempRoot(Path tempRoot) {
            this.tempRoot = Objects.requireNonNull(tempRoot, "tempRoot");
            return this;
        }

        public CodeboxMcpServer build() {
            return new CodeboxMcpServer(this);
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, not " + value);
            }
            return value;
        }

        private static long positive(long value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, not " + value);
            }
            return value;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + value);
            }
            return value;
        }
    }
}
