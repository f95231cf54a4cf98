package dev.codebox.cli;

import dev.codebox.CodeExecutor;
import dev.codebox.docker.DockerCommandLineExecutor;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.GpuRequest;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.VolumeMount;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.ByteSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options of the docker executor (a picocli mixin of exec and run). One container per invocation,
 * removed when codebox exits; {@code run} runs all its blocks in that container.
 */
public final class DockerOptions {

    /** Name of the {@code --image} option, which the docker-jupyter executor reads too. */
    static final String IMAGE_OPTION = "--image";

    @Option(names = IMAGE_OPTION, paramLabel = "IMG",
            description = "Image of the container. -e docker: pulled when missing (default: $CODEBOX_DOCKER_IMAGE, else "
                    + DockerExecutorConfig.DEFAULT_IMAGE + "); -e kubernetes: an image with python3 the nodes can pull (default:"
                    + " $CODEBOX_KUBERNETES_IMAGE, else " + dev.codebox.kubernetes.KubernetesExecutorConfig.DEFAULT_IMAGE
                    + "); -e docker-jupyter: an image with jupyter_server (default: "
                    + dev.codebox.jupyter.docker.DockerJupyterConfig.DEFAULT_IMAGE + ").")
    String image;

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "The Docker engine, such as tcp://host:2376 (default: $DOCKER_HOST, else the current Docker context, else the usual sockets); -e docker and -e docker-jupyter.")
    String dockerHost;

    @Option(names = "--network", paramLabel = "NAME", defaultValue = DockerExecutorConfig.NETWORK_NONE,
            description = "Network of the container: none, bridge, host or a network's name (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "" + (DockerExecutorConfig.DEFAULT_MEMORY_BYTES >> 20) + "m",
            description = "Memory limit of the container (the pod with -e kubernetes), such as 512m or 2g; 0 for none (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "" + DockerExecutorConfig.DEFAULT_CPUS,
            description = "CPU limit of the container (the pod with -e kubernetes), such as 0.5 or 2; 0 for none (default: ${DEFAULT-VALUE}).")
    double cpus;

    @Option(names = "--pids", paramLabel = "N", defaultValue = "" + DockerExecutorConfig.DEFAULT_PIDS_LIMIT,
            description = "Limit of processes and threads in the container; 0 for none (default: ${DEFAULT-VALUE}).")
    long pids;

    @Option(names = "--read-only", description = "Make the container's root file system read-only (/workspace and /tmp stay writable); -e kubernetes always does.")
    boolean readOnly;

    @Option(names = "--user", paramLabel = "U",
            description = "User the code runs as in the container, user[:group] or numeric ids (default: the work dir's owner).")
    String user;

    @Option(names = "--volume", paramLabel = "HOST:CONTAINER[:ro]",
            description = "Mount a host path into the container, read-write or :ro (repeatable).")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--gpus", paramLabel = "all|N", description = "Give the container all GPUs or N of them (needs a GPU runtime).")
    String gpus;

    @Option(names = "--tmp-size", paramLabel = "SIZE", defaultValue = "" + (DockerExecutorConfig.DEFAULT_TMP_BYTES >> 20) + "m",
            description = "Size of the tmpfs at /tmp, such as 256m; 0 for none: /tmp on the root file system (default: ${DEFAULT-VALUE}). "
                    + "With -e kubernetes the size limit of the pod's memory-backed /tmp.")
    String tmpSize;

    @Option(names = "--storage-size", paramLabel = "SIZE",
            description = "Limit of writes to the container's root file system (--storage-opt size; only some storage drivers "
                    + "support it); with -e kubernetes the pod's ephemeral-storage limit.")
    String storageSize;

    @Option(names = "--work-dir-size", paramLabel = "SIZE",
            description = "Make /workspace a tmpfs of the container of that size (default: the host work dir, not limited); "
                    + "the files each run creates are copied out to the host work dir. With -e kubernetes the size limit "
                    + "of the pod's /workspace emptyDir (default: 1Gi).")
    String workDirSize;

    @Option(names = "--transport", paramLabel = "AUTO|UNIX_SOCKET|ATTACH", defaultValue = "AUTO",
            description = "How to reach the runner in the container: a Unix socket in the work dir (local engines), the "
                    + "container's attach stream through the Engine API (any engine), or AUTO (default: the socket when the "
                    + "engine is local and shares the work dir).")
    RunnerTransport transport;

    @Option(names = "--work-dir-mode", paramLabel = "AUTO|BIND|COPY", defaultValue = "AUTO",
            description = "BIND mounts the host work dir at /workspace; COPY makes /workspace a tmpfs of the container and "
                    + "copies output files out; AUTO (default) binds where the engine shares the work dir.")
    WorkDirMode workDirMode;

    @Option(names = "--init-command", paramLabel = "CMD",
            description = "Shell command run once in /workspace when the container (or pod) starts; start fails if it fails.")
    String initCommand;

    @Option(names = "--extra-host", paramLabel = "NAME:IP", description = "Add an /etc/hosts entry to the container (repeatable).")
    List<String> extraHosts = new ArrayList<>();

    @Option(names = "--bind-dir", paramLabel = "DIR",
            description = "The engine-side path of the work dir, when codebox itself runs in a container (Docker-out-of-Docker).")
    java.nio.file.Path bindDir;

    @Option(names = "--container-name", paramLabel = "NAME",
            description = "Name of the container (default: codebox-exec-<uuid>); a container of that name is replaced.")
    String containerName;

    @Option(names = "--no-auto-remove",
            description = "Only stop the container at the end instead of removing it (for inspection; 'codebox docker prune' removes it).")
    boolean noAutoRemove;

    /** The image of the docker executor: the option's value, else $CODEBOX_DOCKER_IMAGE, else the default. */
    public String image() {
        if (image != null) {
            return image;
        }
        String variable = System.getenv("CODEBOX_DOCKER_IMAGE");
        return variable == null || variable.isBlank() ? DockerExecutorConfig.DEFAULT_IMAGE : variable;
    }

    /** The network option's value. */
    public String network() {
        return network;
    }

    /** The memory limit in bytes, 0 for none; checked. */
    public long memoryBytes() {
        return size(memory, "--memory");
    }

    static long size(String text, String option) {
        return text.trim().equals("0") ? 0 : checked(() -> ByteSize.parse(text), option);
    }

    /** The volumes; checked. */
    public List<VolumeMount> volumes() {
        return volumes.stream().map(spec -> checked(() -> VolumeMount.parse(spec), "--volume")).toList();
    }

    /** The GPU request, if any; checked. */
    public Optional<GpuRequest> gpus() {
        return Optional.ofNullable(gpus).map(spec -> checked(() -> GpuRequest.parse(spec), "--gpus"));
    }

    /**
     * The docker executor for these options and the common ones, with a functions module set up at
     * start; {@code workDir} replaces --work-dir.
     */
    CodeExecutor create(CommonOptions common, boolean forkServer, FunctionModule functions, Optional<java.nio.file.Path> workDir) {
        DockerExecutorConfig.Builder config = DockerExecutorConfig.builder()
                .functions(functions)
                .image(image())
                .dockerHost(dockerHost)
                .timeout(common.timeout())
                .maxOutputBytes(common.maxOutputBytes())
                .network(network)
                .memoryBytes(memoryBytes())
                .cpus(cpus)
                .pidsLimit(pids)
                .readOnlyRootFs(readOnly)
                .autoRemove(!noAutoRemove)
                .tmpBytes(size(tmpSize, "--tmp-size"))
                .storageBytes(storageSize == null ? 0 : size(storageSize, "--storage-size"))
                .workDirBytes(workDirSize == null ? 0 : size(workDirSize, "--work-dir-size"))
                .deleteCodeFiles(common.deleteCodeFiles())
                .environment(common.environment())
                .pythonForkServer(forkServer)
                .transport(transport)
                .workDirMode(workDirMode);
        workDir.or(common::workDir).ifPresent(config::workDir);
        Optional.ofNullable(initCommand).ifPresent(config::initCommand);
        Optional.ofNullable(bindDir).ifPresent(config::bindDir);
        Optional.ofNullable(containerName).ifPresent(config::containerName);
        for (String host : extraHosts) {
            int colon = host.indexOf(':');
            if (colon <= 0 || colon == host.length() - 1) {
                throw new UsageException("invalid --extra-host '" + host + "': expected NAME:IP");
            }
            config.extraHost(host.substring(0, colon), host.substring(colon + 1));
        }
        Optional.ofNullable(user).ifPresent(config::user);
        volumes().forEach(config::extraVolume);
        gpus().ifPresent(config::gpus);
        return new DockerCommandLineExecutor(checked(config::build, "docker option"));
    }

    private static <T> T checked(java.util.function.Supplier<T> parse, String option) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid " + option + ": " + e.getMessage());
        }
    }
}
