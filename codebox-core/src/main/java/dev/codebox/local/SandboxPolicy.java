package dev.codebox.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the local executor isolates each block when sandboxed (see
 * {@link LocalExecutorConfig.Builder#sandbox(SandboxPolicy)}): bubblewrap ({@code bwrap}) namespaces,
 * a file system view, resource limits and a scrubbed environment. Immutable; build one with
 * {@link #builder()}, {@link #defaults()} has every default:
 * <ul>
 *   <li>namespaces: new user, pid, ipc, uts, cgroup and network namespaces, so the code sees only
 *       its own processes and, without {@code network}, only a loopback device of its own;
 *   <li>{@code network}: {@code false}; {@code true} shares this machine's network;
 *   <li>file system: {@code /usr}, {@code /bin}, {@code /sbin}, {@code /lib*} and {@code /etc}
 *       read-only, minus {@code hiddenPaths}; a fresh {@code /tmp}, a minimal {@code /proc} and
 *       {@code /dev}; the work dir the only writable place (at its own path); the virtual
 *       environment and an interpreter outside {@code /usr} read-only. Nothing else, so the user's
 *       home directory is not visible unless listed in {@code readOnlyPaths} or {@code readWritePaths};
 *   <li>{@code hiddenPaths}: {@value #DEFAULT_HIDDEN}: a directory is replaced by an empty one, a file
 *       by a device the code may not open (reading it fails with a permission error);
 *   <li>{@code memoryBytes}: 1 GiB of address space per process ({@code RLIMIT_AS}); 0 for none;
 *   <li>{@code cpuSeconds}: 600 seconds of CPU time per process ({@code RLIMIT_CPU}: SIGXCPU at the
 *       limit, SIGKILL 5 s later); 0 for none.
 *       The executor's timeout still bounds each block's wall-clock time;
 *   <li>{@code openFiles}: 1024 per process ({@code RLIMIT_NOFILE}); 0 for none;
 *   <li>{@code processes}: 256 processes and threads, shared by the executor's blocks; enforced by a
 *       {@code pids} cgroup
 *       where this program can create one (as root, or with a delegated cgroup), else by
 *       {@code RLIMIT_NPROC}, which counts all processes of the user and does not bind root; 0 for none.
 * </ul>
 * Every block also runs with {@code --die-with-parent} and {@code --new-session} (so it cannot
 * reach the terminal), and the whole sandbox is killed on timeout, cancellation and stop.
 */
public final class SandboxPolicy {

    /** The files hidden by default. */
    public static final String DEFAULT_HIDDEN = "/etc/shadow, /etc/gshadow, /etc/sudoers, /etc/sudoers.d, /etc/ssh, /etc/ssl/private";

    private final boolean network;
    private final List<Path> readOnlyPaths;
    private final List<Path> readWritePaths;
    private final List<Path> hiddenPaths;
    private final long memoryBytes;
    private final long cpuSeconds;
    private final long openFiles;
    private final long processes;

    private SandboxPolicy(Builder builder) {
        if (builder.memoryBytes < 0 || builder.cpuSeconds < 0 || builder.openFiles < 0 || builder.processes < 0) {
            throw new IllegalArgumentException("sandbox limits must not be negative (0 means none)");
        }
        this.network = builder.network;
        this.readOnlyPaths = absolute(builder.readOnlyPaths, "readOnlyPaths");
        this.readWritePaths = absolute(builder.readWritePaths, "readWritePaths");
        this.hiddenPaths = absolute(builder.hiddenPaths, "hiddenPaths");
        this.memoryBytes = builder.memoryBytes;
        this.cpuSeconds = builder.cpuSeconds;
        this.openFiles = builder.openFiles;
        this.processes = builder.processes;
    }

    private static List<Path> absolute(List<Path> paths, String what) {
        for (Path path : paths) {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException(what + " must be absolute paths, got " + path);
            }
        }
        return List.copyOf(paths);
    }

    /** The policy with every default. */
    public static SandboxPolicy defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's values. */
    public Builder toBuilder() {
        Builder builder = new Builder().network(network).memoryBytes(memoryBytes).cpuSeconds(cpuSeconds)
                .openFiles(openFiles).processes(processes);
        builder.readOnlyPaths.addAll(readOnlyPaths);
        builder.readWritePaths.addAll(readWritePaths);
        builder.hiddenPaths.clear();
        builder.hiddenPaths.addAll(hiddenPaths);
        return builder;
    }

    /** Whether the code shares this machine's network. */
    public boolean network() {
        return network;
    }

    /** Further paths the code may read. */
    public List<Path> readOnlyPaths() {
        return readOnlyPaths;
    }

    /** Further paths the code may read and write. */
    public List<Path> readWritePaths() {
        return readWritePaths;
    }

    /** Paths under the read-only system directories that the code must not see. */
    public List<Path> hiddenPaths() {
        return hiddenPaths;
    }

    /** Address space per process in bytes; 0 for no limit. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** CPU time per process in seconds; 0 for no limit. */
    public long cpuSeconds() {
        return cpuSeconds;
    }

    /** Open files per process; 0 for no limit. */
    public long openFiles() {
        return openFiles;
    }

    /** Processes and threads per block; 0 for no limit. */
    public long processes() {
        return processes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SandboxPolicy that && network == that.network
                && readOnlyPaths.equals(that.readOnlyPaths) && readWritePaths.equals(that.readWritePaths)
                && hiddenPaths.equals(that.hiddenPaths) && memoryBytes == that.memoryBytes
                && cpuSeconds == that.cpuSeconds && openFiles == that.openFiles && processes == that.processes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(network, readOnlyPaths, readWritePaths, hiddenPaths, memoryBytes, cpuSeconds,
                openFiles, processes);
    }

    @Override
    public String toString() {
        return "SandboxPolicy[network=" + network + ", readOnlyPaths=" + readOnlyPaths
                + ", readWritePaths=" + readWritePaths + ", hiddenPaths=" + hiddenPaths
                + ", memoryBytes=" + memoryBytes + ", cpuSeconds=" + cpuSeconds
                + ", openFiles=" + openFiles + ", processes=" + processes + "]";
    }

    /** Builds a {@link SandboxPolicy}; values are checked by {@link #build()}. */
    public static final class Builder {
        private boolean network;
        private final List<Path> readOnlyPaths = new ArrayList<>();
        private final List<Path> readWritePaths = new ArrayList<>();
        private final List<Path> hiddenPaths = new ArrayList<>(List.of(Path.of("/etc/shadow"),
                Path.of("/etc/gshadow"), Path.of("/etc/sudoers"), Path.of("/etc/sudoers.d"), Path.of("/etc/ssh"),
                Path.of("/etc/ssl/private")));
        private long memoryBytes = 1L << 30;
        private long cpuSeconds = 600;
        private long openFiles = 1024;
        private long processes = 256;

        private Builder() {
        }

        /** Whether the code shares this machine's network (default false: only its own loopback). */
        public Builder network(boolean network) {
            this.network = network;
            return this;
        }

        /** Adds an absolute path the code may read (a file or a directory, at the same path). */
        public Builder readOnlyPath(Path path) {
            readOnlyPaths.add(Objects.requireNonNull(path, "path"));
            return this;
        }

        /** Adds an absolute path the code may read and write (at the same path). */
        public Builder readWritePath(Path path) {
            readWritePaths.add(Objects.requireNonNull(path, "path"));
            return this;
        }

        /** Adds an absolute path to hide besides the defaults ({@value SandboxPolicy#DEFAULT_HIDDEN}). */
        public Builder hiddenPath(Path path) {
            hiddenPaths.add(Objects.requireNonNull(path, "path"));
            return this;
        }

        /** Address space per process in bytes (default 1 GiB); 0 for no limit. */
        public Builder memoryBytes(long memoryBytes) {
            this.memoryBytes = memoryBytes;
            return this;
        }

        /** CPU time per process in seconds (default 600); 0 for no limit. */
        public Builder cpuSeconds(long cpuSeconds) {
            this.cpuSeconds = cpuSeconds;
            return this;
        }

        /** Open files per process (default 1024); 0 for no limit. */
        public Builder openFiles(long openFiles) {
            this.openFiles = openFiles;
            return this;
        }

        /** Processes and threads per block (default 256); 0 for no limit. */
        public Builder processes(long processes) {
            this.processes = processes;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a negative limit or a relative path
         */
        public SandboxPolicy build() {
            return new SandboxPolicy(this);
        }
    }
}
