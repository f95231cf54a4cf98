package dev.codebox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.codebox.support.Resources;
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

    /** The runner's source, passed on the command line so that the image needs no file of ours. */
    static final String RUNNER_SOURCE = Resources.read(ContainerSpec.class, "runner.py");

    private static final String MISSING_PYTHON = "codebox: the image has no python3 or python on PATH;"
            + " the codebox runner needs Python 3 in the image";

    private final DockerExecutorConfig config;
    private final String name;
    private final String bindDir;
    private final Optional<String> user;
    private final String socketInContainer;
    private final Optional<String> temporaryWorkDir;
    private final RunnerSecret secret;

    /**
     * @param bindDir the engine-side path of the work dir
     * @param user the user to run as, already resolved
     * @param socketName the runner socket's file name in the work dir
     * @param temporaryWorkDir the work dir when codebox created it, to be deleted with the container
     * @param secret what the runner and the JVM prove to each other, passed in the environment
     */
    ContainerSpec(DockerExecutorConfig config, String name, String bindDir, Optional<String> user, String socketName,
            Optional<String> temporaryWorkDir, RunnerSecret secret) {
        this.config = config;
        this.name = name;
        this.bindDir = bindDir;
        this.user = user;
        this.socketInContainer = DockerExecutorConfig.CONTAINER_WORK_DIR + "/" + socketName;
        this.temporaryWorkDir = temporaryWorkDir;
        this.secret = secret;
    }

    /** The create command for this container, ready to {@code exec()}. */
    CreateContainerCmd createCommand(DockerClient client) {
        CreateContainerCmd create = client.createContainerCmd(config.image())
                .withName(name)
                .withLabels(labels())
                .withWorkingDir(DockerExecutorConfig.CONTAINER_WORK_DIR)
                .withEntrypoint(entrypoint())
                .withCmd(List.of())
                .withEnv(environment())
                .withAttachStdin(false)
                .withTty(false)
                .withHostConfig(hostConfig());
        user.ifPresent(create::withUser);
        return create;
    }

    /**
     * {@code sh -c SCRIPT codebox-runner RUNNER_SOURCE SOCKET [INIT_COMMAND]}: the script runs the
     * init command, then replaces the shell with the runner (PID 1 is docker's init, which reaps
     * orphans and forwards signals).
     */
    private List<String> entrypoint() {
        List<String> entrypoint = new ArrayList<>(List.of("/bin/sh", "-c", mainScript(), "codebox-runner",
                RUNNER_SOURCE, socketInContainer));
        config.initCommand().ifPresent(entrypoint::add);
        return entrypoint;
    }

    private String mainScript() {
        StringBuilder script = new StringBuilder("set -u\n");
        config.initCommand().ifPresent(init -> script
                .append("/bin/sh -c \"$3\" || { status=$?; echo \"codebox: the init command failed with exit code $status\" >&2; exit $status; }\n"));
        script.append("for python in python3 python; do\n")
                .append("  command -v $python >/dev/null 2>&1 && exec $python -c \"$1\" \"$2\"\n")
                .append("done\n")
                .append("echo '").append(MISSING_PYTHON).append("' >&2\n")
                .append("exit 127\n");
        return script.toString();
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new HashMap<>(DockerEngine.labels(DockerEngine.KIND_DOCKER));
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
        env.add(secret.environmentEntry()); // last, so that no configured variable replaces it
        return env;
    }

    private HostConfig hostConfig() {
        List<Bind> binds = new ArrayList<>();
        binds.add(new Bind(bindDir, new Volume(DockerExecutorConfig.CONTAINER_WORK_DIR), AccessMode.rw));
        config.extraVolumes().forEach(volume -> binds.add(new Bind(volume.hostPath().toString(),
                new Volume(volume.containerPath()), volume.readOnly() ? AccessMode.ro : AccessMode.rw)));
        HostConfig host = new ContainerLimits(config.memoryBytes(), config.cpus(), config.pidsLimit(),
                config.noNewPrivileges(), config.dropCapabilities(), config.tmpBytes(), config.storageBytes())
                .applyTo(HostConfig.newHostConfig())
                .withBinds(binds)
                .withAutoRemove(false) // codebox removes it, after reading the logs of a failed start
                .withNetworkMode(config.network())
                .withReadonlyRootfs(config.readOnlyRootFs());
        if (config.readOnlyRootFs() && config.tmpBytes() == 0) {
            host.withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,mode=1777")); // a read-only root still needs a writable /tmp
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
        return host;
    }
}
