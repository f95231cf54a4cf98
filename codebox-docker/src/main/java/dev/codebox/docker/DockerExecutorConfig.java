package dev.codebox.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.ByteSize;
import dev.codebox.internal.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Immutable configuration of a {@link DockerCommandLineExecutor}. Build one with {@link #builder()};
 * {@link #defaults()} has every default.
 *
 * <p>AutoGen's options:
 * <ul>
 *   <li>{@code image}: {@value #DEFAULT_IMAGE}; pulled at start when missing. The image needs
 *       {@code /bin/sh} and Python 3 ({@code python3} or {@code python}) on PATH, which runs
 *       codebox's runner;
 *   <li>{@code containerName}: none, so {@code codebox-exec-<random>}; a container of the same name
 *       is removed at start;
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code workDir}: none, so a new temporary directory is created at start and deleted at stop;
 *       a given directory is created when missing and never deleted. It is mounted read-write at
 *       {@value #CONTAINER_WORK_DIR}, the container's working directory;
 *   <li>{@code bindDir}: none, so the work dir. Set it when this program itself runs in a container
 *       and talks to the host's engine (Docker-out-of-Docker): it is the engine-side path of the
 *       directory this program sees as {@code workDir};
 *   <li>{@code autoRemove}: {@code true}, the container is removed when the executor stops;
 *       {@code false} only stops it (kept for inspection; {@code codebox docker prune} removes it
 *       once this program has exited);
 *   <li>{@code stopContainerOnExit}: {@code true}, a JVM shutdown hook stops the executor (and so
 *       the container) when the program exits without stopping it; {@code false} leaves the
 *       container running at exit, labelled so that {@link DockerEngine#prune} keeps it;
 *   <li>{@code extraVolumes}: none; further bind mounts, read-only or read-write;
 *   <li>{@code extraHosts}: none; host name to IP address entries added to {@code /etc/hosts};
 *   <li>{@code gpus}: none; GPU device requests (all GPUs, or a count, with capabilities);
 *   <li>{@code initCommand}: none; a shell command run once in {@value #CONTAINER_WORK_DIR} when
 *       the container starts, before any block (with the container's network and user). When it
 *       fails, start fails with its output;
 *   <li>{@code deleteCodeFiles}: {@code false} (as AutoGen), code files stay in the work dir.
 * </ul>
 *
 * <p>Hardening, on by default (each can be turned off or changed):
 * <ul>
 *   <li>{@code network}: {@value #NETWORK_NONE}, no network at all; {@code bridge}, {@code host} or a
 *       user-defined network opt in;
 *   <li>{@code memoryBytes}: 1 GiB, without extra swap; {@code 0} means no limit. A block that
 *       exceeds it is killed with exit code 137 and an output line saying the memory limit was hit;
 *   <li>{@code cpus}: 1.0 CPU; {@code 0} means no limit;
 *   <li>{@code pidsLimit}: 256 processes and threads in the container; {@code 0} means no limit;
 *   <li>{@code noNewPrivileges}: {@code true} (setuid binaries cannot gain privileges);
 *   <li>{@code dropCapabilities}: {@code true}, every Linux capability is dropped;
 *   <li>{@code readOnlyRootFs}: {@code false}; when {@code true} the root file system is read-only and
 *       {@value #CONTAINER_WORK_DIR} and {@code /tmp} stay writable;
 *   <li>{@code tmpBytes}: 512 MiB: {@code /tmp} is a fresh tmpfs of that size (its pages count
 *       against the memory limit too); {@code 0} leaves {@code /tmp} on the root file system;
 *   <li>{@code storageBytes}: {@code 0}, no limit on what the container writes to its root file
 *       system; a size becomes {@code --storage-opt size=...}, which only some storage drivers
 *       support (overlay2 on xfs with project quotas, btrfs, zfs): on others start fails with the
 *       engine's reason;
 *   <li>{@code workDirBytes}: {@code 0}: {@value #CONTAINER_WORK_DIR} is the work dir, a directory of
 *       this machine's disk, and what code writes there is not limited. A size makes
 *       {@value #CONTAINER_WORK_DIR} a tmpfs of the container of that size instead (its pages count
 *       against the memory limit): writes beyond it fail with "No space left on device". The host work
 *       dir then receives copies of the files each execution created or changed (its
 *       {@code outputFiles}), read out through the runner; code files and other files stay in the
 *       container. Not with {@code bindDir} (Docker-out-of-Docker);
 *   <li>{@code user}: none, so the owner ({@code uid:gid}) of the work dir: code does not run as root
 *       unless this program does, and the files it writes belong to you. Give {@code "root"} (or
 *       any {@code user[:group]} of the image, or numeric ids) to choose; the work dir must be
 *       writable by that user (a temporary work dir is handed over to a numeric user when this
 *       program runs as root).
 * </ul>
 *
 * <p>Further options: {@code environment} (none; variables set in the container),
 * {@code maxOutputBytes} ({@link ExecutorConfigBuilder#DEFAULT_MAX_OUTPUT_BYTES}, 1 MiB per execution),
 * {@code startTimeout} (60 seconds for the container, its init command and the runner to come up;
 * the image pull is not counted) and {@code functions} (AutoGen's {@code functions}:
 * {@link FunctionModule#none()}; when not empty, the module is written into the work dir at each
 * start, its requirements are pip-installed in the container and it is imported once to check it.
 * pip needs a network: with requirements, opt in to one or use an image that has them).
 *
 * <p>{@code createContainerModifier}: none; the escape hatch that edits the container's create
 * command last, for settings codebox does not model. {@code dockerHost}: none, so the engine is
 * found as the docker CLI finds it ({@code DOCKER_HOST}, the current Docker context, the usual
 * sockets). {@code transport}: {@link RunnerTransport#AUTO}, a Unix socket in the work dir when the
 * engine is local and shares it, else the container's attach stream through the Engine API.
 * {@code workDirMode}: {@link WorkDirMode#AUTO}, the host work dir bind-mounted at
 * {@value #CONTAINER_WORK_DIR} when the engine shares it, else a tmpfs of the container whose output
 * files are copied out (see docs/docker.md, "Engines, transports and work dirs"). With
 * {@link WorkDirMode#BIND} on an engine that does not share the work dir, start fails at once with
 * reason {@code WORK_DIR}.
 * {@code pythonForkServer}: {@code true}, python blocks are forked in the container from an
 * interpreter the runner starts ahead of time (see docs/fork-server.md); {@code false} starts an
 * interpreter per block.
 */
public final class DockerExecutorConfig {

    private static final Consumer<CreateContainerCmd> NO_MODIFIER = create -> { };

    private final String image;
    private final Optional<String> containerName;
    private final Duration timeout;
    private final Optional<Path> workDir;
    private final Optional<Path> bindDir;
    private final boolean autoRemove;
    private final boolean stopContainerOnExit;
    private final List<VolumeMount> extraVolumes;
    private final Map<String, String> extraHosts;
    private final List<GpuRequest> gpus;
    private final Optional<String> initCommand;
    private final boolean deleteCodeFiles;
    private final String network;
    private final long memoryBytes;
    private final double cpus;
    private final long pidsLimit;
    private final boolean noNewPrivileges;
    private final boolean dropCapabilities;
    private final boolean readOnlyRootFs;
    private final long tmpBytes;
    private final long storageBytes;
    private final long workDirBytes;
    private final Optional<String> user;
    private final Map<String, String> environment;
    private final int maxOutputBytes;
    private final Duration startTimeout;
    private final FunctionModule functions;
    private final Consumer<CreateContainerCmd> createContainerModifier;
    private final Optional<String> dockerHost;
    private final boolean pythonForkServer;
    private final RunnerTransport transport;
    private final WorkDirMode workDirMode;

    /** The default image, as AutoGen's. */
    public static final String DEFAULT_IMAGE = "python:3-slim";
    /** Where the work dir is mounted in the container; the container's working directory. */
    public static final String CONTAINER_WORK_DIR = "/workspace";
    /** The network mode that gives the container no network. */
    public static final String NETWORK_NONE = "none";
    /** The default memory limit: 1 GiB. */
    public static final long DEFAULT_MEMORY_BYTES = 1L << 30;
    /** The default CPU limit: one CPU. */
    public static final double DEFAULT_CPUS = 1.0;
    /** The default size of the tmpfs at {@code /tmp}: 512 MiB. */
    public static final long DEFAULT_TMP_BYTES = 512L << 20;
    /** The default limit of processes and threads: 256. */
    public static final long DEFAULT_PIDS_LIMIT = 256;
    /** The size of a {@link WorkDirMode#COPY} work dir when {@code workDirBytes} is 0: 1 GiB. */
    public static final long DEFAULT_COPY_WORK_DIR_BYTES = 1L << 30;

    /** The default time the container may take to come up: 60 seconds. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * @throws IllegalArgumentException when a value is out of range: an empty image or network, a
     *     timeout under one second, a negative limit, an extra host without a name or address,
     *     maxOutputBytes under {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    private DockerExecutorConfig(String image, Optional<String> containerName, Duration timeout,
            Optional<Path> workDir, Optional<Path> bindDir, boolean autoRemove, boolean stopContainerOnExit,
            List<VolumeMount> extraVolumes, Map<String, String> extraHosts, List<GpuRequest> gpus,
            Optional<String> initCommand, boolean deleteCodeFiles, String network, long memoryBytes,
            double cpus, long pidsLimit, boolean noNewPrivileges, boolean dropCapabilities,
            boolean readOnlyRootFs, long tmpBytes, long storageBytes, long workDirBytes,
            Optional<String> user, Map<String, String> environment, int maxOutputBytes,
            Duration startTimeout, FunctionModule functions, Consumer<CreateContainerCmd> createContainerModifier,
            Optional<String> dockerHost, boolean pythonForkServer, RunnerTransport transport, WorkDirMode workDirMode) {
        requireText(image, "image");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(workDirMode, "workDirMode");
        if (workDirMode == WorkDirMode.BIND && workDirBytes > 0) {
            throw new IllegalArgumentException("workDirBytes makes the work dir a tmpfs of the container: it goes with"
                    + " workDirMode COPY (or AUTO), not BIND");
        }
        if (workDirMode == WorkDirMode.COPY && bindDir.isPresent()) {
            throw new IllegalArgumentException("bindDir (Docker-out-of-Docker) is the engine-side path of a bind-mounted"
                    + " work dir: it does not go with workDirMode COPY");
        }
        Objects.requireNonNull(containerName, "containerName");
        containerName.ifPresent(name -> {
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
                throw new IllegalArgumentException("a container name is [a-zA-Z0-9][a-zA-Z0-9_.-]*, was " + name);
            }
        });
        Settings.requireTimeout(timeout);
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(bindDir, "bindDir");
        extraVolumes = List.copyOf(extraVolumes);
        extraHosts = Map.copyOf(extraHosts);
        extraHosts.forEach((host, address) -> {
            if (host.isBlank() || address.isBlank() || host.contains(":")) {
                throw new IllegalArgumentException("an extra host is a name and an address, was " + host + " -> " + address);
            }
        });
        gpus = List.copyOf(gpus);
        Objects.requireNonNull(initCommand, "initCommand");
        requireText(network, "network");
        if (tmpBytes < 0 || storageBytes < 0 || workDirBytes < 0) {
            throw new IllegalArgumentException("tmpBytes, storageBytes and workDirBytes must not be negative (0: not limited)");
        }
        if (workDirBytes > 0 && bindDir.isPresent()) {
            throw new IllegalArgumentException("workDirBytes (a tmpfs work dir) does not go with bindDir (Docker-out-of-Docker)");
        }
        if (memoryBytes < 0 || (memoryBytes > 0 && memoryBytes < 6L << 20)) {
            throw new IllegalArgumentException("memoryBytes is 0 (no limit) or at least 6 MiB (docker's minimum), was " + memoryBytes);
        }
        if (cpus < 0 || Double.isNaN(cpus) || Double.isInfinite(cpus)) {
            throw new IllegalArgumentException("cpus is 0 (no limit) or positive, was " + cpus);
        }
        if (pidsLimit < 0) {
            throw new IllegalArgumentException("pidsLimit is 0 (no limit) or positive, was " + pidsLimit);
        }
        Objects.requireNonNull(user, "user");
        user.ifPresent(u -> requireText(u, "user"));
        environment = Map.copyOf(environment);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
        }
        this.image = image;
        this.containerName = containerName;
        this.timeout = timeout;
        this.workDir = workDir;
        this.bindDir = bindDir;
        this.autoRemove = autoRemove;
        this.stopContainerOnExit = stopContainerOnExit;
        this.extraVolumes = extraVolumes;
        this.extraHosts = extraHosts;
        this.gpus = gpus;
        this.initCommand = initCommand;
        this.deleteCodeFiles = deleteCodeFiles;
        this.network = network;
        this.memoryBytes = memoryBytes;
        this.cpus = cpus;
        this.pidsLimit = pidsLimit;
        this.noNewPrivileges = noNewPrivileges;
        this.dropCapabilities = dropCapabilities;
        this.readOnlyRootFs = readOnlyRootFs;
        this.tmpBytes = tmpBytes;
        this.storageBytes = storageBytes;
        this.workDirBytes = workDirBytes;
        this.user = user;
        this.environment = environment;
        this.maxOutputBytes = maxOutputBytes;
        this.startTimeout = startTimeout;
        this.functions = functions;
        this.createContainerModifier = Objects.requireNonNull(createContainerModifier, "createContainerModifier");
        this.dockerHost = Objects.requireNonNull(dockerHost, "dockerHost");
        this.pythonForkServer = pythonForkServer;
        this.transport = transport;
        this.workDirMode = workDirMode;
    }

    /** The {@code image} setting; its default is in the class description. */
    public String image() {
        return image;
    }

    /** The {@code containerName} setting; its default is in the class description. */
    public Optional<String> containerName() {
        return containerName;
    }

    /** The {@code timeout} setting; its default is in the class description. */
    public Duration timeout() {
        return timeout;
    }

    /** The {@code workDir} setting; its default is in the class description. */
    public Optional<Path> workDir() {
        return workDir;
    }

    /** The {@code bindDir} setting; its default is in the class description. */
    public Optional<Path> bindDir() {
        return bindDir;
    }

    /** The {@code autoRemove} setting; its default is in the class description. */
    public boolean autoRemove() {
        return autoRemove;
    }

    /** The {@code stopContainerOnExit} setting; its default is in the class description. */
    public boolean stopContainerOnExit() {
        return stopContainerOnExit;
    }

    /** The {@code extraVolumes} setting; its default is in the class description. */
    public List<VolumeMount> extraVolumes() {
        return extraVolumes;
    }

    /** The {@code extraHosts} setting; its default is in the class description. */
    public Map<String, String> extraHosts() {
        return extraHosts;
    }

    /** The {@code gpus} setting; its default is in the class description. */
    public List<GpuRequest> gpus() {
        return gpus;
    }

    /** The {@code initCommand} setting; its default is in the class description. */
    public Optional<String> initCommand() {
        return initCommand;
    }

    /** The {@code deleteCodeFiles} setting; its default is in the class description. */
    public boolean deleteCodeFiles() {
        return deleteCodeFiles;
    }

    /** The {@code network} setting; its default is in the class description. */
    public String network() {
        return network;
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

    /** The {@code noNewPrivileges} setting; its default is in the class description. */
    public boolean noNewPrivileges() {
        return noNewPrivileges;
    }

    /** The {@code dropCapabilities} setting; its default is in the class description. */
    public boolean dropCapabilities() {
        return dropCapabilities;
    }

    /** The {@code readOnlyRootFs} setting; its default is in the class description. */
    public boolean readOnlyRootFs() {
        return readOnlyRootFs;
    }

    /** The {@code tmpBytes} setting; its default is in the class description. */
    public long tmpBytes() {
        return tmpBytes;
    }

    /** The {@code storageBytes} setting; its default is in the class description. */
    public long storageBytes() {
        return storageBytes;
    }

    /** The {@code workDirBytes} setting; its default is in the class description. */
    public long workDirBytes() {
        return workDirBytes;
    }

    /** The {@code user} setting; its default is in the class description. */
    public Optional<String> user() {
        return user;
    }

    /** The {@code environment} setting; its default is in the class description. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The {@code maxOutputBytes} setting; its default is in the class description. */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** The {@code startTimeout} setting; its default is in the class description. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** The {@code functions} setting; its default is in the class description. */
    public FunctionModule functions() {
        return functions;
    }

    /**
     * The escape hatch for container settings codebox does not model: called with the create
     * command after codebox has set everything (hardening included), just before it is sent; what
     * it changes wins. Default: changes nothing.
     */
    public Consumer<CreateContainerCmd> createContainerModifier() {
        return createContainerModifier;
    }

    /**
     * The engine's address ({@code unix:///...}, {@code tcp://host:port}); empty to find it as the
     * docker CLI does ({@code DOCKER_HOST}, the current Docker context, the usual sockets).
     */
    public Optional<String> dockerHost() {
        return dockerHost;
    }

    /** The {@code pythonForkServer} setting; its default is in the class description. */
    public boolean pythonForkServer() {
        return pythonForkServer;
    }

    /** The {@code transport} setting; its default is in the class description. */
    public RunnerTransport transport() {
        return transport;
    }

    /** The {@code workDirMode} setting; its default is in the class description. */
    public WorkDirMode workDirMode() {
        return workDirMode;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof DockerExecutorConfig)) {
            return false;
        }
        DockerExecutorConfig that = (DockerExecutorConfig) other;
        return Objects.equals(image, that.image)
                && Objects.equals(containerName, that.containerName)
                && Objects.equals(timeout, that.timeout)
                && Objects.equals(workDir, that.workDir)
                && Objects.equals(bindDir, that.bindDir)
                && autoRemove == that.autoRemove
                && stopContainerOnExit == that.stopContainerOnExit
                && Objects.equals(extraVolumes, that.extraVolumes)
                && Objects.equals(extraHosts, that.extraHosts)
                && Objects.equals(gpus, that.gpus)
                && Objects.equals(initCommand, that.initCommand)
                && deleteCodeFiles == that.deleteCodeFiles
                && Objects.equals(network, that.network)
                && memoryBytes == that.memoryBytes
                && Double.compare(cpus, that.cpus) == 0
                && pidsLimit == that.pidsLimit
                && noNewPrivileges == that.noNewPrivileges
                && dropCapabilities == that.dropCapabilities
                && readOnlyRootFs == that.readOnlyRootFs
                && tmpBytes == that.tmpBytes
                && storageBytes == that.storageBytes
                && workDirBytes == that.workDirBytes
                && Objects.equals(user, that.user)
                && Objects.equals(environment, that.environment)
                && maxOutputBytes == that.maxOutputBytes
                && Objects.equals(startTimeout, that.startTimeout)
                && Objects.equals(functions, that.functions)
                && createContainerModifier.equals(that.createContainerModifier)
                && dockerHost.equals(that.dockerHost)
                && pythonForkServer == that.pythonForkServer
                && transport == that.transport
                && workDirMode == that.workDirMode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, containerName, timeout, workDir, bindDir,
                autoRemove, stopContainerOnExit, extraVolumes, extraHosts, gpus,
                initCommand, deleteCodeFiles, network, memoryBytes, cpus,
                pidsLimit, noNewPrivileges, dropCapabilities, readOnlyRootFs, tmpBytes,
                storageBytes, workDirBytes, user, environment, maxOutputBytes,
                startTimeout, functions, pythonForkServer, transport, workDirMode);
    }

    @Override
    public String toString() {
        return "DockerExecutorConfig[image=" + image
                + ", containerName=" + containerName
                + ", timeout=" + timeout
                + ", workDir=" + workDir
                + ", bindDir=" + bindDir
                + ", autoRemove=" + autoRemove
                + ", stopContainerOnExit=" + stopContainerOnExit
                + ", extraVolumes=" + extraVolumes
                + ", extraHosts=" + extraHosts
                + ", gpus=" + gpus
                + ", initCommand=" + initCommand
                + ", deleteCodeFiles=" + deleteCodeFiles
                + ", network=" + network
                + ", memoryBytes=" + memoryBytes
                + ", cpus=" + cpus
                + ", pidsLimit=" + pidsLimit
                + ", noNewPrivileges=" + noNewPrivileges
                + ", dropCapabilities=" + dropCapabilities
                + ", readOnlyRootFs=" + readOnlyRootFs
                + ", tmpBytes=" + tmpBytes
                + ", storageBytes=" + storageBytes
                + ", workDirBytes=" + workDirBytes
                + ", user=" + user
                + ", environment=" + environment.keySet()
                + ", maxOutputBytes=" + maxOutputBytes
                + ", startTimeout=" + startTimeout
                + ", functions=" + functions
                + (createContainerModifier == NO_MODIFIER ? "" : ", createContainerModifier=set")
                + ", dockerHost=" + dockerHost
                + ", pythonForkServer=" + pythonForkServer
                + ", transport=" + transport
                + ", workDirMode=" + workDirMode
                + "]";
    }


    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /** The configuration with every default. */
    public static DockerExecutorConfig defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder builder = new Builder()
                .image(image).timeout(timeout).autoRemove(autoRemove).stopContainerOnExit(stopContainerOnExit)
                .extraHosts(extraHosts).deleteCodeFiles(deleteCodeFiles).network(network)
                .memoryBytes(memoryBytes).cpus(cpus).pidsLimit(pidsLimit).noNewPrivileges(noNewPrivileges)
                .dropCapabilities(dropCapabilities).readOnlyRootFs(readOnlyRootFs).tmpBytes(tmpBytes)
                .storageBytes(storageBytes).workDirBytes(workDirBytes).environment(environment)
                .maxOutputBytes(maxOutputBytes).startTimeout(startTimeout).functions(functions);
        extraVolumes.forEach(builder::extraVolume);
        gpus.forEach(builder::gpus);
        builder.containerName = containerName.orElse(null);
        builder.workDir = workDir.orElse(null);
        builder.bindDir = bindDir.orElse(null);
        builder.initCommand = initCommand.orElse(null);
        builder.user = user.orElse(null);
        builder.createContainerModifier = createContainerModifier;
        builder.dockerHost = dockerHost.orElse(null);
        builder.pythonForkServer = pythonForkServer;
        builder.transport = transport;
        builder.workDirMode = workDirMode;
        return builder;
    }

    /** Builds a {@link DockerExecutorConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends ExecutorConfigBuilder<Builder> {
        private String image = DEFAULT_IMAGE;
        private String containerName;
        private Path workDir;
        private Path bindDir;
        private boolean autoRemove = true;
        private boolean stopContainerOnExit = true;
        private final List<VolumeMount> extraVolumes = new ArrayList<>();
        private final Map<String, String> extraHosts = new LinkedHashMap<>();
        private final List<GpuRequest> gpus = new ArrayList<>();
        private String initCommand;
        private boolean deleteCodeFiles;
        private String network = NETWORK_NONE;
        private long memoryBytes = DEFAULT_MEMORY_BYTES;
        private double cpus = DEFAULT_CPUS;
        private long pidsLimit = DEFAULT_PIDS_LIMIT;
        private boolean noNewPrivileges = true;
        private boolean dropCapabilities = true;
        private boolean readOnlyRootFs;
        private long tmpBytes = DEFAULT_TMP_BYTES;
        private long storageBytes;
        private long workDirBytes;
        private String user;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Duration startTimeout = DEFAULT_START_TIMEOUT;

        private Consumer<CreateContainerCmd> createContainerModifier = NO_MODIFIER;
        private String dockerHost;
        private boolean pythonForkServer = true;
        private RunnerTransport transport = RunnerTransport.AUTO;
        private WorkDirMode workDirMode = WorkDirMode.AUTO;

        private Builder() {
        }

        /**
         * Edits the create command of the container after codebox has set everything, for settings
         * codebox does not model (a runtime, ulimits, a label, ...); default: none. It may also undo
         * codebox's hardening: that is the caller's decision. Called again whenever the container is
         * created anew.
         */
        public Builder createContainerModifier(Consumer<CreateContainerCmd> modifier) {
            this.createContainerModifier = Objects.requireNonNull(modifier, "modifier");
            return this;
        }

        /**
         * The engine's address, such as {@code tcp://build-host:2376} (default: {@code DOCKER_HOST},
         * else the current Docker context, else the usual sockets).
         */
        public Builder dockerHost(String dockerHost) {
            this.dockerHost = dockerHost;
            return this;
        }

        /**
         * Whether python blocks are forked from an interpreter the runner starts ahead of time
         * (default true); false starts an interpreter per block.
         */
        public Builder pythonForkServer(boolean pythonForkServer) {
            this.pythonForkServer = pythonForkServer;
            return this;
        }

        /** How the JVM reaches the runner; see {@link RunnerTransport}. Default {@link RunnerTransport#AUTO}. */
        public Builder transport(RunnerTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Where {@code /workspace} lives; see {@link WorkDirMode}. Default {@link WorkDirMode#AUTO}. */
        public Builder workDirMode(WorkDirMode workDirMode) {
            this.workDirMode = Objects.requireNonNull(workDirMode, "workDirMode");
            return this;
        }

        /** The image (default {@value DockerExecutorConfig#DEFAULT_IMAGE}). */
        public Builder image(String image) {
            this.image = image;
            return this;
        }

        /** The container's name (default {@code codebox-exec-<random>}). */
        public Builder containerName(String containerName) {
            this.containerName = containerName;
            return this;
        }

        /** The host directory mounted at /workspace, created when missing and kept (default: a temp dir). */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** The engine-side path of the work dir, for Docker-out-of-Docker (default: the work dir). */
        public Builder bindDir(Path bindDir) {
            this.bindDir = bindDir;
            return this;
        }

        /** Whether stop removes the container (default true) or only stops it. */
        public Builder autoRemove(boolean autoRemove) {
            this.autoRemove = autoRemove;
            return this;
        }

        /** Whether the container is stopped when the JVM exits (default true). */
        public Builder stopContainerOnExit(boolean stopContainerOnExit) {
            this.stopContainerOnExit = stopContainerOnExit;
            return this;
        }

        /** Adds a bind mount (default none). */
        public Builder extraVolume(VolumeMount volume) {
            extraVolumes.add(Objects.requireNonNull(volume, "volume"));
            return this;
        }

        /** Adds an {@code /etc/hosts} entry (default none). */
        public Builder extraHost(String host, String address) {
            extraHosts.put(Objects.requireNonNull(host, "host"), Objects.requireNonNull(address, "address"));
            return this;
        }

        /** Adds {@code /etc/hosts} entries (default none). */
        public Builder extraHosts(Map<String, String> hosts) {
            hosts.forEach(this::extraHost);
            return this;
        }

        /** Adds a GPU device request (default none). */
        public Builder gpus(GpuRequest request) {
            gpus.add(Objects.requireNonNull(request, "request"));
            return this;
        }

        /** A shell command run once when the container starts (default none). */
        public Builder initCommand(String initCommand) {
            this.initCommand = initCommand;
            return this;
        }

        /** Whether code files are deleted after each execution (default false, as AutoGen). */
        public Builder deleteCodeFiles(boolean deleteCodeFiles) {
            this.deleteCodeFiles = deleteCodeFiles;
            return this;
        }

        /** The network mode or network name (default {@value DockerExecutorConfig#NETWORK_NONE}). */
        public Builder network(String network) {
            this.network = network;
            return this;
        }

        /** The memory limit in bytes, 0 for none (default 1 GiB). */
        public Builder memoryBytes(long memoryBytes) {
            this.memoryBytes = memoryBytes;
            return this;
        }

        /** The memory limit in docker's notation, such as {@code 512m} (default 1g). */
        public Builder memory(String size) {
            return memoryBytes(ByteSize.parse(size));
        }

        /** The CPU limit in CPUs, 0 for none (default 1.0). */
        public Builder cpus(double cpus) {
            this.cpus = cpus;
            return this;
        }

        /** The limit of processes and threads, 0 for none (default 256). */
        public Builder pidsLimit(long pidsLimit) {
            this.pidsLimit = pidsLimit;
            return this;
        }

        /** Whether processes may not gain privileges (default true). */
        public Builder noNewPrivileges(boolean noNewPrivileges) {
            this.noNewPrivileges = noNewPrivileges;
            return this;
        }

        /** Whether every Linux capability is dropped (default true). */
        public Builder dropCapabilities(boolean dropCapabilities) {
            this.dropCapabilities = dropCapabilities;
            return this;
        }

        /** Whether the root file system is read-only (default false). */
        public Builder readOnlyRootFs(boolean readOnlyRootFs) {
            this.readOnlyRootFs = readOnlyRootFs;
            return this;
        }

        /** The size of the tmpfs at {@code /tmp}, 0 for none (default 512 MiB). */
        public Builder tmpBytes(long tmpBytes) {
            this.tmpBytes = tmpBytes;
            return this;
        }

        /** The limit of what the container writes to its root file system, 0 for none (default; needs driver support). */
        public Builder storageBytes(long storageBytes) {
            this.storageBytes = storageBytes;
            return this;
        }

        /** The size of a tmpfs work dir in the container, 0 for the host work dir mounted (default). */
        public Builder workDirBytes(long workDirBytes) {
            this.workDirBytes = workDirBytes;
            return this;
        }

        /** The user code runs as, {@code user[:group]} or numeric (default: the work dir's owner). */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** Adds an environment variable of the container. */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds environment variables of the container. */
        public Builder environment(Map<String, String> variables) {
            variables.forEach(this::environment);
            return this;
        }

        /** How long the container, its init command and the runner may take to come up (default 60 s). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /**
         * @throws IllegalArgumentException when a value is out of range
         */
        public DockerExecutorConfig build() {
            return new DockerExecutorConfig(image, Optional.ofNullable(containerName), timeout,
                    Optional.ofNullable(workDir), Optional.ofNullable(bindDir), autoRemove, stopContainerOnExit,
                    extraVolumes, extraHosts, gpus, Optional.ofNullable(initCommand), deleteCodeFiles, network,
                    memoryBytes, cpus, pidsLimit, noNewPrivileges, dropCapabilities, readOnlyRootFs, tmpBytes,
                    storageBytes, workDirBytes, Optional.ofNullable(user), environment, maxOutputBytes, startTimeout, functions,
                    createContainerModifier, Optional.ofNullable(dockerHost), pythonForkServer, transport, workDirMode);
        }
    }
}
