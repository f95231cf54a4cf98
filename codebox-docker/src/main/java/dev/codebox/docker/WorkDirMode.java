package dev.codebox.docker;

/**
 * Where the container's work dir, {@code /workspace}, lives.
 */
public enum WorkDirMode {
    /**
     * {@link #COPY} when {@code workDirBytes} is set or the transport is {@link RunnerTransport#ATTACH}
     * (the engine shares no directory with this JVM), else {@link #BIND}. The default.
     */
    AUTO,
    /** The host work dir is bind-mounted at {@code /workspace}: output files are the host's files. */
    BIND,
    /**
     * {@code /workspace} is a tmpfs of the container ({@code workDirBytes}, or 1 GiB when that is 0)
     * and nothing of the host is mounted; the host work dir is a mirror the container never sees.
     * At each (re)start its files are copied in; code files and the functions module are written
     * through the runner and into the mirror; the files a block creates or changes are copied out
     * into it after each execution (its {@code outputFiles}); other files are moved with
     * {@code copyIn} and {@code copyOut}. What only the container holds does not survive a restart.
     */
    COPY
}
