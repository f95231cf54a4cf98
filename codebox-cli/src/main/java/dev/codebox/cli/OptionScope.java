package dev.codebox.cli;

import static dev.codebox.cli.ExecutorKind.DOCKER;
import static dev.codebox.cli.ExecutorKind.DOCKER_JUPYTER;
import static dev.codebox.cli.ExecutorKind.KUBERNETES;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Which executors use each option of {@link DockerOptions} and {@link KubernetesOptions}, so that an
 * option given for an executor that would ignore it (--network with -e kubernetes, --namespace with
 * -e docker) is a usage error instead of a setting that silently does nothing.
 */
final class OptionScope {

    private static final Set<ExecutorKind> CONTAINERS = EnumSet.of(DOCKER, KUBERNETES, DOCKER_JUPYTER);
    private static final Set<ExecutorKind> ENGINES = EnumSet.of(DOCKER, DOCKER_JUPYTER);
    private static final Set<ExecutorKind> DOCKER_AND_PODS = EnumSet.of(DOCKER, KUBERNETES);

    /** By the option's longest name. */
    static final Map<String, Set<ExecutorKind>> USED_BY = Map.ofEntries(
            Map.entry(DockerOptions.IMAGE_OPTION, CONTAINERS),
            Map.entry("--memory", CONTAINERS),
            Map.entry("--cpus", CONTAINERS),
            Map.entry("--docker-host", ENGINES),
            Map.entry("--network", ENGINES),
            Map.entry("--pids", ENGINES),
            Map.entry("--tmp-size", CONTAINERS),
            Map.entry("--init-command", DOCKER_AND_PODS),
            Map.entry("--storage-size", DOCKER_AND_PODS),
            Map.entry("--work-dir-size", DOCKER_AND_PODS),
            Map.entry("--read-only", EnumSet.of(DOCKER)),
            Map.entry("--user", EnumSet.of(DOCKER)),
            Map.entry("--volume", EnumSet.of(DOCKER)),
            Map.entry("--gpus", EnumSet.of(DOCKER)),
            Map.entry("--transport", EnumSet.of(DOCKER)),
            Map.entry("--work-dir-mode", EnumSet.of(DOCKER)),
            Map.entry("--extra-host", EnumSet.of(DOCKER)),
            Map.entry("--bind-dir", EnumSet.of(DOCKER)),
            Map.entry("--container-name", EnumSet.of(DOCKER)),
            Map.entry("--no-auto-remove", EnumSet.of(DOCKER)),
            Map.entry("--namespace", EnumSet.of(KUBERNETES)),
            Map.entry("--kubeconfig", EnumSet.of(KUBERNETES)),
            Map.entry("--kube-context", EnumSet.of(KUBERNETES)),
            Map.entry("--runtime-class", EnumSet.of(KUBERNETES)),
            Map.entry("--image-pull-policy", EnumSet.of(KUBERNETES)));

    private OptionScope() {
    }

    /**
     * @param kinds the executors the command may create
     * @throws UsageException for the first option given on the command line that none of them uses
     */
    static void requireUsed(ParseResult parsed, Collection<ExecutorKind> kinds) {
        for (OptionSpec option : parsed.matchedOptions()) {
            Set<ExecutorKind> users = USED_BY.get(option.longestName());
            if (users != null && kinds.stream().noneMatch(users::contains)) {
                throw new UsageException(option.longestName() + " is for " + flags(users) + "; " + flags(kinds)
                        + " does not use it");
            }
        }
    }

    /** The executors as the -e flags that choose them: "-e docker, -e kubernetes". */
    private static String flags(Collection<ExecutorKind> kinds) {
        return kinds.stream().map(kind -> "-e " + kind.cliName()).collect(Collectors.joining(", "));
    }
}
