package dev.codebox.jupyter.docker;

import dev.codebox.commandline.Settings;
import dev.codebox.functions.FunctionModule;
import dev.codebox.jupyter.JupyterConfigBuilder;
import dev.codebox.output.OutputSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable configuration of a Jupyter executor on a Jupyter server in a Docker container. Build one
 * with {@link #builder()}; {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code image}: {@value #DEFAULT_IMAGE}, which must hold {@code python3 -m jupyter_server}
 *       and the kernel; it is not pulled;
 *   <li>{@code kernelName}: {@code python3};
 *   <li>{@code outputDir}: none, so a temporary directory is created at start and deleted at stop;
 *       a given directory is created when missing and never deleted. It is bind-mounted as the
 *       server's root dir {@code /workspace}, where the kernel runs, and images and HTML are saved in it;
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code startupTimeout}: 60 seconds for the server and the kernel to start;
 *   <li>{@code maxOutputBytes}: {@link OutputSink#DEFAULT_MAX_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the kernel writes the module
 *       into its working directory at each start, its requirements are pip-installed with the kernel's Python in the container
 *       ({@code python -m pip install}) and imports it, before any block runs.
 * </ul>
 */
public record DockerJupyterConfig(
        String image,
        String kernelName,
        Optional<Path> outputDir,
        Duration timeout,
        Duration startupTimeout,
        int maxOutputBytes,
        FunctionModule functions) {

    /** The default image, built by scripts/setup-env.sh. */
    public static final String DEFAULT_IMAGE = "codebox/jupyter:3";

    /**
     * @throws IllegalArgumentException when the image or kernel name is blank, a timeout under one
     *     second or maxOutputBytes under {@link OutputSink#MIN_MAX_BYTES}
     */
    public DockerJupyterConfig {
        if (Objects.requireNonNull(image, "image").isBlank()) {
            throw new IllegalArgumentException("image must not be blank");
        }
        if (Objects.requireNonNull(kernelName, "kernelName").isBlank()) {
            throw new IllegalArgumentException("kernelName must not be blank");
        }
        Objects.requireNonNull(outputDir, "outputDir");
        Settings.requireTimeout(timeout);
        Settings.requireTimeout(startupTimeout);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
    }

    /** The configuration with every default. */
    public static DockerJupyterConfig defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link DockerJupyterConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends JupyterConfigBuilder<Builder> {
        private String image = DEFAULT_IMAGE;

        private Builder() {
        }

        /** The image with Jupyter Server (default {@value DockerJupyterConfig#DEFAULT_IMAGE}). */
        public Builder image(String image) {
            this.image = image;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public DockerJupyterConfig build() {
            return new DockerJupyterConfig(image, kernelName, Optional.ofNullable(outputDir), timeout, startupTimeout,
                    maxOutputBytes, functions);
        }
    }
}
