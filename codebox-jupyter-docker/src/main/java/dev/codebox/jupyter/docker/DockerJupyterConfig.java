package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.ByteSize;
import dev.codebox.internal.Settings;
import dev.codebox.jupyter.JupyterConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Immutable configuration of a Jupyter executor on a Jupyter server in a Docker container. Build one
 * with {@link #builder()}; {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code image}: {@value #DEFAULT_IMAGE}, which must hold {@code python3 -m jupyter_server}
 *       and the kernel; pulled at start when the engine lacks it, as the Docker executor's image;
 *   <li>{@code kernelName}: {@code python3};
 *   <li>{@code outputDir}: none, so a temporary directory is created at start and deleted at stop;
 *       a given directory is created when missing and never deleted. It is bind-mounted as the
 *       server's root dir {@code /workspace}, where the kernel runs, and images and HTML are saved in it;
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code startupTimeout}: 60 seconds for the server and the kernel to start;
 *   <li>{@code maxOutputBytes}: {@link ExecutorConfigBuilder#DEFAULT_MAX_OUTPUT_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the kernel writes the module
 *       into its working directory at each start, its requirements are pip-installed with the kernel's Python in the container
 *       ({@code python -m pip install}) and imports it, before any block runs;
 *   <li>{@code memoryBytes}: 1 GiB (swap included; 0 for no limit), {@code cpus}: 1.0 (0 for no
 *       limit), {@code pidsLimit}: 256 (0 for no limit), {@code dropCapabilities}: true (every
 *       capability dropped: no raw sockets, no {@code mknod}), {@code noNewPrivileges}: true: the
 *       same hardened defaults as the Docker command-line executor. The container always runs with
 *       an init process that reaps orphans; {@code tmpBytes}: 512 MiB, {@code /tmp} is a fresh
 *       tmpfs of that size (0: {@code /tmp} on the root file system);
 *   <li>{@code network}: {@code none}: the server listens on a Unix socket in the output dir, which
 *       this JVM reaches through a forwarder on 127.0.0.1, so the container needs no network; give
 *       {@code bridge} (or a network's name) when the code must reach the network, e.g. for pip;
 *   <li>{@code createContainerModifier}: none; the escape hatch that edits the container's create
 *       command last, for settings codebox does not model;
 *   <li>{@code dockerHost}: none, so the engine is found as the docker CLI finds it; it must share
 *       the output dir with this machine (else start fails at once with reason {@code WORK_DIR}).
 * </ul>
 */
public final class DockerJupyterConfig {

    private static final Consumer<CreateContainerCmd> NO_MODIFIER = create -> { };

    private final String image;
    private final String kernelName;
    private final Optional<Path> outputDir;
    private final Duration timeout;
    private final Duration startupTimeout;
    private final int maxOutputBytes;
    private final FunctionModule functions;
    private final long memoryBytes;
    private final double cpus;
    private final long pidsLimit;
    private final long tmpBytes;
    private final boolean dropCapabilities;
    private final boolean noNewPrivileges;
    private final String network;
    private final Consumer<CreateContainerCmd> createContainerModifier;
    private final Optional<String> dockerHost;

    /** The default image, built by scripts/setup-env.sh. */
    public static final String DEFAULT_IMAGE = "codebox/jupyter:3";

    /**
     * @throws IllegalArgumentException when the image or kernel name is blank, a timeout under one
     *     second, maxOutputBytes under {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}, or a negative limit
     */
    private DockerJupyterConfig(String image, String kernelName, Optional<Path> outputDir, Duration timeout,
            Duration startupTimeout, int maxOutputBytes, FunctionModule functions, long memoryBytes,
            double cpus, long pidsLimit, long tmpBytes, boolean dropCapabilities, boolean noNewPrivileges, String network,
            Consumer<CreateContainerCmd> createContainerModifier, Optional<String> dockerHost) {
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
        if (memoryBytes < 0 || cpus < 0 || pidsLimit < 0 || tmpBytes < 0) {
            throw new IllegalArgumentException("memoryBytes, cpus, pidsLimit and tmpBytes must not be negative (0 means none)");
        }
        this.image = image;
        this.kernelName = kernelName;
        this.outputDir = outputDir;
        this.timeout = timeout;
        this.startupTimeout = startupTimeout;
        this.maxOutputBytes = maxOutputBytes;
        this.functions = functions;
        this.memoryBytes = memoryBytes;
        this.cpus = cpus;
        this.pidsLimit = pidsLimit;
        this.tmpBytes = tmpBytes;
        this.dropCapabilities = dropCapabilities;
        this.noNewPrivileges = noNewPrivileges;
        this.network = network;
        this.createContainerModifier = Objects.requireNonNull(createContainerModifier, "createContainerModifier");
        this.dockerHost = Objects.requireNonNull(dockerHost, "dockerHost");
    }

    /** The {@code image} setting; its default is in the class description. */
    public String image() {
        return image;
    }

    /** The {@code kernelName} setting; its default is in the class description. */
    public String kernelName() {
        return kernelName;
    }

    /** The {@code outputDir} setting; its default is in the class description. */
    public Optional<Path> outputDir() {
        return outputDir;
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

    /** The {@code memoryBytes} setting; its default is in the class description. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** The {@code cpus} setting; its default is in the class description. */
    public double cpus() {
        return cpus;
    }

    /** The {@code pidsLimit} setting; its default is in the class description. */
    public long pidsLimit() {
        return pidsLimit;
    }

    /** The {@code tmpBytes} setting; its default is in the class description. */
    public long tmpBytes() {
        return tmpBytes;
    }

    /** The {@code dropCapabilities} setting; its default is in the class description. */
    public boolean dropCapabilities() {
        return dropCapabilities;
    }

    /** The {@code noNewPrivileges} setting; its default is in the class description. */
    public boolean noNewPrivileges() {
        return noNewPrivileges;
    }

    /** The {@code network} setting; its default is in the class description. */
    public String network() {
        return network;
    }

    /**
     * The escape hatch for container settings codebox does not model: called with the server
     * container's create command after codebox has set everything, just before it is sent.
     * Default: changes nothing.
     */
    public Consumer<CreateContainerCmd> createContainerModifier() {
        return createContainerModifier;
    }

    /** The engine's address; empty to find it as the docker CLI does. */
    public Optional<String> dockerHost() {
        return dockerHost;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof DockerJupyterConfig)) {
            return false;
        }
        DockerJupyterConfig that = (DockerJupyterConfig) other;
        return Objects.equals(image, that.image)
                && Objects.equals(kernelName, that.kernelName)
                && Objects.equals(outputDir, that.outputDir)
                && Objects.equals(timeout, that.timeout)
                && Objects.equals(startupTimeout, that.startupTimeout)
                && maxOutputBytes == that.maxOutputBytes
                && Objects.equals(functions, that.functions)
                && memoryBytes == that.memoryBytes
                && Double.compare(cpus, that.cpus) == 0
                && pidsLimit == that.pidsLimit
                && tmpBytes == that.tmpBytes
                && dropCapabilities == that.dropCapabilities
                && noNewPrivileges == that.noNewPrivileges
                && Objects.equals(network, that.network)
                && createContainerModifier.equals(that.createContainerModifier)
                && dockerHost.equals(that.dockerHost);
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, kernelName, outputDir, timeout, startupTimeout,
                maxOutputBytes, functions, memoryBytes, cpus, pidsLimit, tmpBytes,
                dropCapabilities, noNewPrivileges, network,
                    createContainerModifier, Optional.ofNullable(dockerHost));
    }

    @Override
    public String toString() {
        return "DockerJupyterConfig[image=" + image
                + ", kernelName=" + kernelName
                + ", outputDir=" + outputDir
                + ", timeout=" + timeout
                + ", startupTimeout=" + startupTimeout
                + ", maxOutputBytes=" + maxOutputBytes
                + ", functions=" + functions
                + ", memoryBytes=" + memoryBytes
                + ", cpus=" + cpus
                + ", pidsLimit=" + pidsLimit
                + ", tmpBytes=" + tmpBytes
                + ", dropCapabilities=" + dropCapabilities
                + ", noNewPrivileges=" + noNewPrivileges
                + ", network=" + network
                + (createContainerModifier == NO_MODIFIER ? "" : ", createContainerModifier=set")
                + ", dockerHost=" + dockerHost
                + "]";
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
        private long tmpBytes = DockerExecutorConfig.DEFAULT_TMP_BYTES;
        private boolean dropCapabilities = true;
        private boolean noNewPrivileges = true;
        private String network = DockerExecutorConfig.NETWORK_NONE;

        private Consumer<CreateContainerCmd> createContainerModifier = NO_MODIFIER;
        private String dockerHost;

        private Builder() {
        }

        /**
         * Edits the server container's create command after codebox has set everything, for
         * settings codebox does not model (default: none). It may also undo codebox's hardening:
         * that is the caller's decision.
         */
        public Builder createContainerModifier(Consumer<CreateContainerCmd> modifier) {
            this.createContainerModifier = Objects.requireNonNull(modifier, "modifier");
            return this;
        }

        /**
         * The engine's address, such as {@code tcp://build-host:2376} (default: {@code DOCKER_HOST},
         * else the current Docker context, else the usual sockets). The engine must share the output
         * dir with this machine.
         */
        public Builder dockerHost(String dockerHost) {
            this.dockerHost = dockerHost;
            return this;
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

        /** Size of the tmpfs at {@code /tmp} in bytes (default 512 MiB); 0 leaves {@code /tmp} on the root file system. */
        public Builder tmpBytes(long tmpBytes) {
            this.tmpBytes = tmpBytes;
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
                    maxOutputBytes, functions, memoryBytes, cpus, pidsLimit, tmpBytes, dropCapabilities, noNewPrivileges, network,
                    createContainerModifier, Optional.ofNullable(dockerHost));
        }
    }
}
