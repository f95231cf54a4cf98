package dev.codebox.local;

import dev.codebox.commandline.Settings;
import dev.codebox.functions.FunctionModule;
import dev.codebox.output.OutputSink;
import dev.codebox.support.ExecutorConfigBuilder;
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
 *   <li>{@code maxOutputBytes}: {@link OutputSink#DEFAULT_MAX_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the module is written into
 *       the work dir at each start and its requirements are installed with
 *       {@code <python> -m pip install} (so give a {@code virtualEnv}: Debian's system Python refuses
 *       pip installs), then the module is imported once to check it.
 * </ul>
 */
public record LocalExecutorConfig(
        Duration timeout,
        Optional<Path> workDir,
        boolean deleteCodeFiles,
        Optional<Path> virtualEnv,
        Optional<Path> python,
        Map<String, String> environment,
        int maxOutputBytes,
        FunctionModule functions) {

    /**
     * @throws IllegalArgumentException when the timeout is under one second or maxOutputBytes is
     *     under {@link OutputSink#MIN_MAX_BYTES}
     */
    public LocalExecutorConfig {
        Settings.requireTimeout(timeout);
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(virtualEnv, "virtualEnv");
        Objects.requireNonNull(python, "python");
        environment = Map.copyOf(environment);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
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
        return builder;
    }

    /** Builds a {@link LocalExecutorConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends ExecutorConfigBuilder<Builder> {
        private Path workDir;
        private boolean deleteCodeFiles = true;
        private Path virtualEnv;
        private Path python;
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder() {
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
                    Optional.ofNullable(virtualEnv), Optional.ofNullable(python), environment, maxOutputBytes, functions);
        }
    }
}
