package dev.codebox.jupyter.docker;

import dev.codebox.commandline.Settings;
import dev.codebox.docker.ByteSize;
import dev.codebox.docker.DockerExecutorConfig;
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
 *       ({@code python -m pip install}) and imports it, before any block runs;
 *   <li>{@code memoryBytes}: 1 GiB (swap included; 0 for no limit), {@code cpus}: 1.0 (0 for no
 *       limit), {@code pidsLimit}: 256 (0 for no limit), {@code dropCapabilities}: true (every
 *       capability dropped: no raw sockets, no {@code mknod}), {@code noNewPrivileges}: true: the
 *       same hardened defaults as the Docker command-line executor. The container always runs with
 *       an init process that reaps orphans, and {@code /tmp} is a 512 MiB tmpfs;
 *   <li>{@code network}: {@code none}: the server listens on a Unix socket in the output dir, which
 *       this JVM reaches through a forwarder on 127.0.0.1, so the container needs no network; give
 *       {@code bridge} (or a network's name) when the code must reach the network, e.g. for pip.
 * </ul>
 */
public record DockerJupyterConfig(
        String image,
        String kernelName,
        Optional<Path> outputDir,
        Duration timeout,
        Duration startupTimeout,
        int maxOutputBytes,
        FunctionModule functions,
        long memoryBytes,
        double cpus,
        long pidsLimit,
        boolean dropCapabilities,
        boolean noNewPrivileges,
        String network) {

    /** The default image, built by scripts/setup-env.sh. */
    public static final String DEFAULT_IMAGE = "codebox/jupyter:3";

    /**
     * @throws IllegalArgumentException when the image or kernel name is blank, a timeout under one
     *     second, maxOutputBytes under {@link OutputSink#MIN_MAX_BYTES}, or a negative limit
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
        if (Objects.requireNonNull(network, "network").isBlank()) {
            throw new IllegalArgumentException("network must not be blank (none for no network)");
        }
        if (memoryBytes < 0 || cpus < 0 || pidsLimit < 0) {
            throw new IllegalArgumentException("memoryBytes, cpus and pidsLimit must not be negative (0 means no limit)");
        }
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
        private long memoryBytes = DockerExecutorConfig.DEFAULT_MEMORY_BYTES;
        private double cpus = DockerExecutorConfig.DEFAULT_CPUS;
        private long pidsLimit = DockerExecutorConfig.DEFAULT_PIDS_LIMIT;
        private boolean dropCapabilities = true;
        private boolean noNewPrivileges = true;
        private String network = DockerExecutorConfig.NETWORK_NONE;

        private Builder() {
        }

        /** The image with Jupyter Server (default {@value DockerJupyterConfig#DEFAULT_IMAGE}). */
        public Builder image(String image) {
            this.image = image;
            return this;
        }

        /** The memory limit, swap included, e.g. {@code "512m"}, {@code "2g"}; {@code "0"} for none (default 1 GiB). */
        public Builder memory(String size) {
            this.memoryBytes = size.trim().equals("0") ? 0 : ByteSize.parse(size);
            return this;
        }

        /** How many CPUs the container may use (default 1.0; 0 for no limit). */
        public Builder cpus(double cpus) {
            this.cpus = cpus;
            return this;
        }

        /** How many processes the container may hold (default 256; 0 for no limit). */
        public Builder pidsLimit(long pidsLimit) {
            this.pidsLimit = pidsLimit;
            return this;
        }

        /** Whether every capability is dropped (default true). */
        public Builder dropCapabilities(boolean dropCapabilities) {
            this.dropCapabilities = dropCapabilities;
            return this;
        }

        /** Whether the container runs with {@code no-new-privileges} (default true). */
        public Builder noNewPrivileges(boolean noNewPrivileges) {
            this.noNewPrivileges = noNewPrivileges;
            return this;
        }

        /** The container's network (default {@code none}); {@code bridge} or a network's name opt in. */
        public Builder network(String network) {
            this.network = network;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public DockerJupyterConfig build() {
            return new DockerJupyterConfig(image, kernelName, Optional.ofNullable(outputDir), timeout, startupTimeout,
                    maxOutputBytes, functions, memoryBytes, cpus, pidsLimit, dropCapabilities, noNewPrivileges, network);
        }
    }
}
