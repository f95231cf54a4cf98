package dev.codebox.docker.internal;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What one codebox container is made of, for {@link ManagedContainer}: every container gets
 * codebox's labels, the {@link ContainerLimits} hardening and its network from here, so that the
 * Docker executor's container and the Jupyter server's cannot drift apart.
 *
 * @param image the image, pulled when the engine lacks it
 * @param name the container's name
 * @param kind the value of {@link DockerEngine#LABEL_KIND}
 * @param extraLabels labels besides codebox's own
 * @param user the user to run as, or empty for the image's
 * @param environment {@code NAME=value} entries
 * @param workingDir the working directory in the container
 * @param entrypoint the entrypoint, or empty for the image's
 * @param command the command
 * @param limits resource limits and hardening
 * @param network the network mode ({@code none}, {@code bridge}, ...)
 * @param binds bind mounts
 * @param hostSettings further host settings (tmpfs, devices, ...), applied after the limits
 * @param modifier the user's escape hatch: edits the create command last, before it is sent
 */
public record ContainerRequest(String image, String name, String kind, Map<String, String> extraLabels,
        Optional<String> user, List<String> environment, String workingDir, Optional<List<String>> entrypoint,
        List<String> command, ContainerLimits limits, String network, List<Bind> binds,
        Consumer<HostConfig> hostSettings, Consumer<CreateContainerCmd> modifier) {

    public ContainerRequest {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(name, "name");
        extraLabels = Map.copyOf(extraLabels);
        environment = List.copyOf(environment);
        command = List.copyOf(command);
        binds = List.copyOf(binds);
    }

    /** The create command, ready to {@code exec()}. */
    CreateContainerCmd createCommand(com.github.dockerjava.api.DockerClient client) {
        Map<String, String> labels = new java.util.HashMap<>(DockerEngine.labels(kind));
        labels.putAll(extraLabels);
        HostConfig host = limits.applyTo(HostConfig.newHostConfig())
                .withNetworkMode(network)
                .withBinds(binds)
                .withAutoRemove(false); // codebox removes it, after reading the logs of a failed start
        hostSettings.accept(host);
        CreateContainerCmd create = client.createContainerCmd(image)
                .withName(name)
                .withLabels(labels)
                .withWorkingDir(workingDir)
                .withEnv(environment)
                .withCmd(command)
                .withAttachStdin(false)
                .withTty(false)
                .withHostConfig(host);
        entrypoint.ifPresent(create::withEntrypoint);
        user.ifPresent(create::withUser);
        modifier.accept(create);
        return create;
    }
}
