package dev.codebox.docker.internal;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.internal.ForkServerScript;
import dev.codebox.runner.internal.RunnerProgram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a Docker executor's container is created from its configuration: mounts, limits, hardening,
 * labels, and the main process, which runs the init command and then execs codebox's runner.
 */
final class ContainerSpec {

    private final DockerExecutorConfig config;
    private final String name;
    private final String bindDir;
    private final Optional<String> user;
    private final RunnerLayout layout;
    private final Optional<String> temporaryWorkDir;
    private final String sharedMarker;

    /**
     * @param bindDir the engine-side path of the work dir
     * @param user the user to run as, already resolved
     * @param layout the transport and work dir mode, with the socket's host dir where there is one
     * @param temporaryWorkDir the work dir when codebox created it, to be deleted with the container
     * @param sharedMarker the name of the file the JVM writes into the bind-mounted dir ({@link SharedDir})
     */
    ContainerSpec(DockerExecutorConfig config, String name, String bindDir, Optional<String> user, RunnerLayout layout,
            Optional<String> temporaryWorkDir, String sharedMarker) {
        this.config = config;
        this.name = name;
        this.bindDir = bindDir;
        this.user = user;
        this.layout = layout;
        this.temporaryWorkDir = temporaryWorkDir;
        this.sharedMarker = sharedMarker;
    }

    /** The container to create. */
    ContainerRequest request() {
        return new ContainerRequest(config.image(), name, DockerEngine.KIND_DOCKER, labels(), user, environment(),
                DockerExecutorConfig.CONTAINER_WORK_DIR, Optional.of(entrypoint()), List.of(),
                new ContainerLimits(config.memoryBytes(), config.cpus(), config.pidsLimit(), config.noNewPrivileges(),
                        config.dropCapabilities(), config.tmpBytes(), config.storageBytes()),
                config.network(), binds(), this::hostSettings, this::modify);
    }

    /**
     * The shared-directory check of the bind-mounted directory ({@link SharedDir}) when there is one,
     * then {@code sh -c SCRIPT codebox-runner RUNNER_SOURCE SOCKET WORK_DIR [INIT_COMMAND]}: see
     * container_main.sh. SOCKET is {@code -} for the attach stream.
     */
    private List<String> entrypoint() {
        List<String> main = RunnerProgram.command(layout.socketInContainer().orElse(RunnerProgram.STDIO),
                DockerExecutorConfig.CONTAINER_WORK_DIR, config.initCommand());
        return layout.sharedDirInContainer().map(dir -> SharedDir.command(dir, main)).orElse(main);
    }

    /**
     * An open stdin, which brings the runner its secret (and, for the attach transport, the frames);
     * the user's modifier comes last.
     */
    private void modify(CreateContainerCmd create) {
        create.withStdinOpen(true).withStdInOnce(false).withAttachStdin(true).withAttachStdout(true).withAttachStderr(true);
        config.createContainerModifier().accept(create);
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new HashMap<>();
        if (!config.stopContainerOnExit()) {
            labels.put(DockerEngine.LABEL_KEEP, "true");
        }
        temporaryWorkDir.ifPresent(dir -> labels.put(DockerEngine.LABEL_TEMP_WORK_DIR, dir));
        return labels;
    }

    private List<String> environment() {
        List<String> env = new ArrayList<>();
        // No __pycache__ dirs in the work dir, where they would show up as output files; overridable.
        env.add("PYTHONDONTWRITEBYTECODE=1");
        config.environment().forEach((key, value) -> env.add(key + "=" + value));
        if (layout.sharedDirInContainer().isPresent()) {
            env.add(SharedDir.VARIABLE + "=" + sharedMarker);
        }
        if (config.pythonForkServer()) {
            env.add(RunnerProgram.FORK_SERVER_VARIABLE + "=" + ForkServerScript.source()); // taken out of the environment by the runner
        }
        return env;
    }

    private List<Bind> binds() {
        List<Bind> binds = new ArrayList<>();
        if (layout.socketDir().isPresent()) {
            binds.add(new Bind(layout.socketDir().get().toString(), new Volume(RunnerLayout.SOCKET_DIR), AccessMode.rw));
        }
        if (layout.mode() == WorkDirMode.BIND) {
            binds.add(new Bind(bindDir, new Volume(DockerExecutorConfig.CONTAINER_WORK_DIR), AccessMode.rw));
        }
        config.extraVolumes().forEach(volume -> binds.add(new Bind(volume.hostPath().toString(),
                new Volume(volume.containerPath()), volume.readOnly() ? AccessMode.ro : AccessMode.rw)));
        return binds;
    }

    /** The settings only the executor's container has, on top of the shared limits. */
    private void hostSettings(HostConfig host) {
        host.withReadonlyRootfs(config.readOnlyRootFs());
        Map<String, String> tmpfs = new HashMap<>(host.getTmpFs() == null ? Map.of() : host.getTmpFs());
        if (config.readOnlyRootFs() && config.tmpBytes() == 0) {
            tmpfs.put("/tmp", "rw,nosuid,nodev,mode=1777"); // a read-only root still needs a writable /tmp
        }
        if (layout.transport() == RunnerTransport.ATTACH) {
            // The runner's frames go to stdout: a log driver would keep a copy of every byte on the engine's disk.
            host.withLogConfig(new LogConfig(LogConfig.LoggingType.NONE));
        }
        if (layout.mode() == WorkDirMode.COPY) {
            tmpfs.put(DockerExecutorConfig.CONTAINER_WORK_DIR, "rw,nosuid,nodev,mode=0755,size=" + layout.copyBytes()
                    + user.filter(u -> u.matches("\\d+(:\\d+)?")).map(u -> ",uid=" + u.split(":")[0]
                            + ",gid=" + (u.contains(":") ? u.split(":")[1] : u.split(":")[0])).orElse(""));
        }
        if (!tmpfs.isEmpty()) {
            host.withTmpFs(tmpfs);
        }
        if (!config.extraHosts().isEmpty()) {
            host.withExtraHosts(config.extraHosts().entrySet().stream()
                    .map(entry -> entry.getKey() + ":" + entry.getValue()).toArray(String[]::new));
        }
        if (!config.gpus().isEmpty()) {
            host.withDeviceRequests(config.gpus().stream()
                    .map(gpu -> new DeviceRequest().withCount(gpu.count()).withCapabilities(List.of(gpu.capabilities())))
                    .toList());
        }
    }
}
