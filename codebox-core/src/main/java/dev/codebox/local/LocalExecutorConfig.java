package dev.codebox.local;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable configuration of a {@link LocalCommandLineExecutor}. Build one with {@link #builder()};
 * {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code workDir}: none, so a new temporary directory is created at start and deleted at stop;
 *       a given directory is created when missing and never deleted;
 *   <li>{@code deleteCodeFiles}: {@code true}, code files are deleted after each execution;
 *   <li>{@code virtualEnv}: none; when set, its {@code bin/python} runs python blocks, its
 *       {@code bin} dir comes first on PATH and {@code VIRTUAL_ENV} is set;
 *   <li>{@code python}: none, so the interpreter is the virtual environment's, else the
 *       {@code CODEBOX_PYTHON} environment variable, else {@code python3} then {@code python} on PATH;
 *   <li>{@code environment}: none; these variables are added to (or replace) the JVM's environment;
 *   <li>{@code maxOutputBytes}: {@link ExecutorConfigBuilder#DEFAULT_MAX_OUTPUT_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the module is written into
 *       the work dir at each start and its requirements are installed with
 *       {@code <python> -m pip install} (so give a {@code virtualEnv}: Debian's system Python refuses
 *       pip installs), then the module is imported once to check it;
 *   <li>{@code sandbox}: none; a {@link SandboxPolicy} runs every block in a bubblewrap sandbox
 *       (namespaces, read-only system, no network, limits, a minimal environment);
 *   <li>{@code scrubEnvironment}: {@code false}; {@code true} leaves credential-looking variables
 *       of this machine's environment out (the sandbox always does);
 *   <li>{@code pythonServer}: {@code true}; python blocks are started by a resident Python process
 *       of the executor, started ahead of time (not in the sandbox, where each block is spawned);
 *       {@code false} starts each from the JVM, with no resident process;
 *   <li>{@code pythonForkServer}: {@code true}; with {@code pythonServer}, that process forks each
 *       block from its pre-started interpreter instead of starting one; with {@code false} it
 *       spawns a fresh interpreter per block ({@code posix_spawn}, cheaper than a spawn from the
 *       JVM). docs/fork-server.md lists what a forked block shares with the others.
 * </ul>
 */
public final class LocalExecutorConfig {

    private final Duration timeout;
    private final Optional<Path> workDir;
    private final boolean deleteCodeFiles;
    private final Optional<Path> virtualEnv;
    private final Optional<Path> python;
    private final Map<String, String> environment;
    private final int maxOutputBytes;
    private final FunctionModule functions;
    private final Optional<SandboxPolicy> sandbox;
    private final boolean scrubEnvironment;
    private final boolean pythonServer;
    private final boolean pythonForkServer;

    /**
     * @throws IllegalArgumentException when the timeout is under one second or maxOutputBytes is
     *     under {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    private LocalExecutorConfig(Duration timeout, Optional<Path> workDir, boolean deleteCodeFiles,
            Optional<Path> virtualEnv, Optional<Path> python, Map<String, String> environment,
            int maxOutputBytes, FunctionModule functions, Optional<SandboxPolicy> sandbox, boolean scrubEnvironment,
            boolean pythonServer, boolean pythonForkServer) {
        Settings.requireTimeout(timeout);
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(virtualEnv, "virtualEnv");
        Objects.requireNonNull(python, "python");
        environment = Map.copyOf(environment);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
        this.timeout = timeout;
        this.workDir = workDir;
        this.deleteCodeFiles = deleteCodeFiles;
        this.virtualEnv = virtualEnv;
        this.python = python;
        this.environment = environment;
        this.maxOutputBytes = maxOutputBytes;
        this.functions = functions;
        this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
        this.scrubEnvironment = scrubEnvironment;
        this.pythonServer = pythonServer;
        this.pythonForkServer = pythonForkServer;
    }

    /** The {@code timeout} setting; its default is in the class description. */
    public Duration timeout() {
        return timeout;
    }

    /** The {@code workDir} setting; its default is in the class description. */
    public Optional<Path> workDir() {
        return workDir;
    }

    /** The {@code deleteCodeFiles} setting; its default is in the class description. */
    public boolean deleteCodeFiles() {
        return deleteCodeFiles;
    }

    /** The {@code virtualEnv} setting; its default is in the class description. */
    public Optional<Path> virtualEnv() {
        return virtualEnv;
    }

    /** The {@code python} setting; its default is in the class description. */
    public Optional<Path> python() {
        return python;
    }

    /** The {@code environment} setting; its default is in the class description. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The {@code maxOutputBytes} setting; its default is in the class description. */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** The {@code functions} setting; its default is in the class description. */
    public FunctionModule functions() {
        return functions;
    }

    /** The sandbox every block runs in, or empty for none (the default). */
    public Optional<SandboxPolicy> sandbox() {
        return sandbox;
    }

    /**
     * Whether credential-looking variables of this machine's environment are left out of the
     * code's environment (always so in the sandbox, whose environment is minimal).
     */
    public boolean scrubEnvironment() {
        return scrubEnvironment;
    }

    /** The {@code pythonServer} setting; its default is in the class description. */
    public boolean pythonServer() {
        return pythonServer;
    }

    /** The {@code pythonForkServer} setting; its default is in the class description. */
    public boolean pythonForkServer() {
        return pythonForkServer;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof LocalExecutorConfig)) {
            return false;
        }
        LocalExecutorConfig that = (LocalExecutorConfig) other;
        return Objects.equals(timeout, that.timeout)
                && Objects.equals(workDir, that.workDir)
                && deleteCodeFiles == that.deleteCodeFiles
                && Objects.equals(virtualEnv, that.virtualEnv)
                && Objects.equals(python, that.python)
                && Objects.equals(environment, that.environment)
                && maxOutputBytes == that.maxOutputBytes
                && Objects.equals(functions, that.functions)
                && sandbox.equals(that.sandbox)
                && scrubEnvironment == that.scrubEnvironment
                && pythonServer == that.pythonServer
                && pythonForkServer == that.pythonForkServer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(timeout, workDir, deleteCodeFiles, virtualEnv, python,
                environment, maxOutputBytes, functions, sandbox, scrubEnvironment, pythonServer, pythonForkServer);
    }

    @Override
    public String toString() {
        return "LocalExecutorConfig[timeout=" + timeout
                + ", workDir=" + workDir
                + ", deleteCodeFiles=" + deleteCodeFiles
                + ", virtualEnv=" + virtualEnv
                + ", python=" + python
                + ", environment=" + environment.keySet()
                + ", maxOutputBytes=" + maxOutputBytes
                + ", functions=" + functions
                + ", sandbox=" + sandbox
                + ", scrubEnvironment=" + scrubEnvironment
                + ", pythonServer=" + pythonServer
                + ", pythonForkServer=" + pythonForkServer
                + "]";
    }

    /** The configuration with every default. */
    public static LocalExecutorConfig defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder builder = new Builder()
                .timeout(timeout)
                .deleteCodeFiles(deleteCodeFiles)
                .environment(environment)
                .maxOutputBytes(maxOutputBytes)
                .functions(functions);
        builder.workDir = workDir.orElse(null);
        builder.virtualEnv = virtualEnv.orElse(null);
        builder.python = python.orElse(null);
        builder.sandbox = sandbox.orElse(null);
        builder.scrubEnvironment = scrubEnvironment;
        builder.pythonServer = pythonServer;
        builder.pythonForkServer = pythonForkServer;
        return builder;
    }

    /** Builds a {@link LocalExecutorConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends ExecutorConfigBuilder<Builder> {
        private Path workDir;
        private boolean deleteCodeFiles = true;
        private Path virtualEnv;
        private Path python;
        private final Map<String, String> environment = new LinkedHashMap<>();

        private SandboxPolicy sandbox;
        private boolean scrubEnvironment;
        private boolean pythonServer = true;
        private boolean pythonForkServer = true;

        private Builder() {
        }

        /**
         * Runs every block in a bubblewrap sandbox with {@code policy} (default: none, code runs as
         * this user with this user's files, network and environment). Start fails with
         * {@code SANDBOX_UNAVAILABLE} when the sandbox cannot work here; it never runs without.
         */
        public Builder sandbox(SandboxPolicy policy) {
            this.sandbox = policy;
            return this;
        }

        /**
         * Leaves credential-looking variables ({@code *_KEY}, {@code *_TOKEN}, {@code *_SECRET},
         * {@code *PASSWORD*}, {@code AWS_*}, ...) of this machine's environment out of the code's
         * environment (default false; the sandbox always does). Variables given with
         * {@link #environment(String, String)} are kept.
         */
        public Builder scrubEnvironment(boolean scrubEnvironment) {
            this.scrubEnvironment = scrubEnvironment;
            return this;
        }

        /**
         * Whether python blocks are started by a resident Python process of the executor, started
         * with it (default true): it forks them or spawns them, as {@link #pythonForkServer} says.
         * False starts each python block from the JVM, with no resident process, which is cheapest
         * for an executor that runs a single python block. Ignored in the sandbox, which always
         * starts each block from the JVM.
         */
        public Builder pythonServer(boolean pythonServer) {
            this.pythonServer = pythonServer;
            return this;
        }

        /**
         * With {@link #pythonServer}, whether python blocks are forked from its interpreter, started
         * ahead of time (default true), which saves the interpreter's start-up on every block; false
         * has it spawn a fresh interpreter per block (one process image, where a spawn from the JVM
         * takes four), and the process then runs no Python code of its own.
         */
        public Builder pythonForkServer(boolean pythonForkServer) {
            this.pythonForkServer = pythonForkServer;
            return this;
        }

        /** The directory code runs in, created when missing and kept at stop (default: a temp dir). */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** Whether code files are deleted after each execution (default true). */
        public Builder deleteCodeFiles(boolean deleteCodeFiles) {
            this.deleteCodeFiles = deleteCodeFiles;
            return this;
        }

        /** A virtual environment whose python and bin dir the code uses (default none). */
        public Builder virtualEnv(Path virtualEnv) {
            this.virtualEnv = virtualEnv;
            return this;
        }

        /** The Python interpreter for python blocks (default: see {@link LocalExecutorConfig}). */
        public Builder python(Path python) {
            this.python = python;
            return this;
        }

        /** Adds an environment variable for the code. */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds environment variables for the code. */
        public Builder environment(Map<String, String> variables) {
            variables.forEach(this::environment);
            return this;
        }

        /**
         * @throws IllegalArgumentException when a value is out of range
         */
        public LocalExecutorConfig build() {
            return new LocalExecutorConfig(timeout, Optional.ofNullable(workDir), deleteCodeFiles,
                    Optional.ofNullable(virtualEnv), Optional.ofNullable(python), environment, maxOutputBytes, functions,
                    Optional.ofNullable(sandbox), scrubEnvironment, pythonServer, pythonForkServer);
        }
    }
}
