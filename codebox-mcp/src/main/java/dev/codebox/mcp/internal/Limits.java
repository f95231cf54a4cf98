package dev.codebox.mcp.internal;

import java.time.Duration;

/** The server's limits; the public builder documents each and its default. */
public record Limits(
        int maxSessions,
        Duration sessionIdleTimeout,
        int maxConcurrentExecutions,
        Duration queueTimeout,
        long maxUploadBytes,
        long maxDownloadBytes,
        long maxImageBytes,
        Duration maxTimeout) {
}
