package dev.codebox.jupyter;

import dev.codebox.ExecutorConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the builders of the three Jupyter executors' configurations share besides timeout, output
 * cap and functions: the kernel's name, the output dir and the start-up timeout, with the same
 * defaults. Values are checked when the configuration is built.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class JupyterConfigBuilder<B extends JupyterConfigBuilder<B>> extends ExecutorConfigBuilder<B> {

    /** The default time a kernel (and its server) may take to start and answer: 60 seconds. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

    protected String kernelName = "python3";
    protected Path outputDir;
    protected Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

    protected JupyterConfigBuilder() {
    }

    /** The kernelspec name (default {@code python3}). */
    public B kernelName(String kernelName) {
        this.kernelName = kernelName;
        return self();
    }

    /**
     * Where images and HTML are saved on this machine, created when missing and kept (default: a
     * temp dir deleted at stop). docker-jupyter also mounts it as the kernel's directory.
     */
    public B outputDir(Path outputDir) {
        this.outputDir = outputDir;
        return self();
    }

    /** Time the kernel (and its server) may take to start and answer (default 60 s, at least 1 s). */
    public B startupTimeout(Duration startupTimeout) {
        this.startupTimeout = startupTimeout;
        return self();
    }
}
