package dev.codebox.docker;

/**
 * How the JVM reaches codebox's runner in a container: every request of an executor travels over
 * one stream of the runner protocol (docs/runner-protocol.md), whichever carries it.
 */
public enum RunnerTransport {
    /**
     * {@link #UNIX_SOCKET} when the engine is on a local Unix socket and shares the work dir with this
     * JVM (checked at start within a second), else {@link #ATTACH}. The default.
     */
    AUTO,
    /**
     * A Unix socket in a bind-mounted directory: the fastest, but only where the engine runs on
     * this machine's kernel and file system. Start fails with reason {@code WORK_DIR} elsewhere.
     */
    UNIX_SOCKET,
    /**
     * The container's stdin and stdout, attached through the Engine API: works wherever the API
     * does (a remote engine over TCP, TLS or SSH, Docker Desktop, Podman, Colima).
     */
    ATTACH
}
