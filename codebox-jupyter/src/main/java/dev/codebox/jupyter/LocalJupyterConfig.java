package dev.codebox.jupyter;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.Settings;
import dev.codebox.jupyter.internal.kernel.KernelSpecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable configuration of a Jupyter executor on a local kernel process. Build one with
 * {@link #builder()}; {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code kernelName}: {@code python3}, the kernelspec to start;
 *   <li>{@code kernelDataDirs}: none, so kernelspecs are searched in Jupyter's standard data
 *       directories (see {@link KernelSpecs}); when given, only {@code <dir>/kernels} of these;
 *   <li>{@code outputDir}: none, so a temporary directory is created at start and deleted at stop;
 *       a given directory is created when missing and never deleted. Images and HTML are saved there;
 *   <li>{@code workDir}: none, so the kernel runs in the output dir;
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code startupTimeout}: 60 seconds for the kernel to start and answer;
 *   <li>{@code maxOutputBytes}: {@link ExecutorConfigBuilder#DEFAULT_MAX_OUTPUT_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the kernel writes the module
 *       into its working directory at each start, its requirements are pip-installed with the kernel's Python
 *       ({@code python -m pip install}) and imports it, before any block runs.
 * </ul>
 */
public final class LocalJupyterConfig {

    private final String kernelName;
    private final List<Path> kernelDataDirs;
    private final Optional<Path> outputDir;
    private final Optional<Path> workDir;
    private final Duration timeout;
    private final Duration startupTimeout;
    private final int maxOutputBytes;
    private final FunctionModule functions;

    /**
     * @throws IllegalArgumentException when the kernel name is blank, a timeout under one second or
     *     maxOutputBytes under {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    private LocalJupyterConfig(String kernelName, List<Path> kernelDataDirs, Optional<Path> outputDir,
            Optional<Path> workDir, Duration timeout, Duration startupTimeout, int maxOutputBytes,
            FunctionModule functions) {
        if (Objects.requireNonNull(kernelName, "kernelName").isBlank() || kernelName.contains("/")) {
            throw new IllegalArgumentException("kernelName must be a kernelspec name, was '" + kernelName + "'");
        }
        kernelDataDirs = List.copyOf(kernelDataDirs);
        Objects.requireNonNull(outputDir, "outputDir");
        Objects.requireNonNull(workDir, "workDir");
        Settings.requireTimeout(timeout);
        Settings.requireTimeout(startupTimeout);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
        this.kernelName = kernelName;
        this.kernelDataDirs = kernelDataDirs;
        this.outputDir = outputDir;
        this.workDir = workDir;
        this.timeout = timeout;
        this.startupTimeout = startupTimeout;
        this.maxOutputBytes = maxOutputBytes;
        this.functions = functions;
    }

    /** The {@code kernelName} setting; its default is in the class description. */
    public String kernelName() {
        return kernelName;
    }

    /** The {@code kernelDataDirs} setting; its default is in the class description. */
    public List<Path> kernelDataDirs() {
        return kernelDataDirs;
    }

    /** The {@code outputDir} setting; its default is in the class description. */
    public Optional<Path> outputDir() {
        return outputDir;
    }

    /** The {@code workDir} setting; its default is in the class description. */
    public Optional<Path> workDir() {
        return workDir;
    }

    /** The {@code timeout} setting; its default is in the class description. */
    public Duration timeout() {
        return timeout;
    }

    /** The {@code startupTimeout} setting; its default is in the class description. */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    /** The {@code maxOutputBytes} setting; its default is in the class description. */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** The {@code functions} setting; its default is in the class description. */
    public FunctionModule functions() {
        return functions;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof LocalJupyterConfig)) {
            return false;
        }
        LocalJupyterConfig that = (LocalJupyterConfig) other;
        return Objects.equals(kernelName, that.kernelName)
                && Objects.equals(kernelDataDirs, that.kernelDataDirs)
                && Objects.equals(outputDir, that.outputDir)
                && Objects.equals(workDir, that.workDir)
                && Objects.equals(timeout, that.timeout)
                && Objects.equals(startupTimeout, that.startupTimeout)
                && maxOutputBytes == that.maxOutputBytes
                && Objects.equals(functions, that.functions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kernelName, kernelDataDirs, outputDir, workDir, timeout,
                startupTimeout, maxOutputBytes, functions);
    }

    @Override
    public String toString() {
        return "LocalJupyterConfig[kernelName=" + kernelName
                + ", kernelDataDirs=" + kernelDataDirs
                + ", outputDir=" + outputDir
                + ", workDir=" + workDir
                + ", timeout=" + timeout
                + ", startupTimeout=" + startupTimeout
                + ", maxOutputBytes=" + maxOutputBytes
                + ", functions=" + functions
                + "]";
    }

    /** The configuration with every default. */
    public static LocalJupyterConfig defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LocalJupyterConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends JupyterConfigBuilder<Builder> {
        private List<Path> kernelDataDirs = List.of();
        private Path workDir;

        private Builder() {
        }

        /** Data directories holding {@code kernels/<name>/kernel.json} (default: Jupyter's standard ones). */
        public Builder kernelDataDirs(List<Path> kernelDataDirs) {
            this.kernelDataDirs = kernelDataDirs;
            return this;
        }

        /** The kernel's working directory (default: the output dir). */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public LocalJupyterConfig build() {
            return new LocalJupyterConfig(kernelName, kernelDataDirs, Optional.ofNullable(outputDir),
                    Optional.ofNullable(workDir), timeout, startupTimeout, maxOutputBytes, functions);
        }
    }
}
