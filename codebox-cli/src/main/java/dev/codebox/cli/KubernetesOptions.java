package dev.codebox.cli;

import dev.codebox.CodeExecutor;
import dev.codebox.functions.FunctionModule;
import dev.codebox.kubernetes.KubernetesCommandLineExecutor;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options of the kubernetes executor (a picocli mixin of exec, run and mcp). One pod per invocation
 * (per session for mcp), deleted when codebox exits; the image, memory and CPU limits come from the
 * --image, --memory and --cpus options the docker executor has too.
 */
public final class KubernetesOptions {

    /** The pull policies a pod's container accepts. */
    static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");

    @Option(names = "--namespace", paramLabel = "NS",
            description = "Namespace of the pods of -e kubernetes (default: the kubeconfig context's namespace, else default).")
    String namespace;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig of the cluster of -e kubernetes (default: as kubectl finds it: $KUBECONFIG, else"
                    + " ~/.kube/config, else the in-cluster service account).")
    Path kubeconfig;

    @Option(names = "--kube-context", paramLabel = "NAME",
            description = "Context of the kubeconfig for -e kubernetes (default: its current context).")
    String context;

    @Option(names = "--runtime-class", paramLabel = "NAME",
            description = "RuntimeClass of the pods of -e kubernetes, such as gvisor or kata (default: none, the cluster's runtime).")
    String runtimeClass;

    @Option(names = "--image-pull-policy", paramLabel = "Always|IfNotPresent|Never",
            description = "When the nodes of -e kubernetes pull the image (default: IfNotPresent).")
    String imagePullPolicy;

    /** The image of the kubernetes executor: --image, else $CODEBOX_KUBERNETES_IMAGE, else the default. */
    static String image(DockerOptions docker) {
        if (docker.image != null) {
            return docker.image;
        }
        String variable = System.getenv("CODEBOX_KUBERNETES_IMAGE");
        return variable == null || variable.isBlank() ? KubernetesExecutorConfig.DEFAULT_IMAGE : variable;
    }

    /**
     * The kubernetes executor for these options, the common ones and the --image, --memory, --cpus,
     * --init-command, --storage-size, --work-dir-size and --tmp-size of {@code docker}, with a
     * functions module set up at start; {@code workDir} (the host mirror of the pod's /workspace)
     * replaces --work-dir.
     */
    CodeExecutor create(CommonOptions common, boolean forkServer, DockerOptions docker, FunctionModule functions,
            Optional<Path> workDir) {
        KubernetesExecutorConfig.Builder config = KubernetesExecutorConfig.builder()
                .functions(functions)
                .image(image(docker))
                .timeout(common.timeout())
                .maxOutputBytes(common.maxOutputBytes())
                .memoryLimit(limitQuantity(docker.memoryBytes()))
                .cpuLimit(cpuQuantity(docker.cpus))
                .deleteCodeFiles(common.deleteCodeFiles())
                .environment(common.environment())
                .pythonForkServer(forkServer)
                .namespace(namespace)
                .kubeconfig(kubeconfig)
                .context(context)
                .runtimeClassName(runtimeClass);
        if (imagePullPolicy != null) {
            config.imagePullPolicy(pullPolicy(imagePullPolicy));
        }
        Optional.ofNullable(docker.initCommand).ifPresent(config::initCommand);
        if (docker.storageSize != null) {
            config.ephemeralStorageLimit(limitQuantity(DockerOptions.size(docker.storageSize, "--storage-size")));
        }
        if (docker.workDirSize != null) {
            config.workDirSizeLimit(sizeLimit(docker.workDirSize, "--work-dir-size", "/workspace"));
        }
        // --tmp-size has Docker's default, 512 MiB: the pod's default too.
        config.tmpSizeLimit(sizeLimit(docker.tmpSize, "--tmp-size", "/tmp"));
        workDir.or(common::workDir).ifPresent(config::workDir);
        try {
            return new KubernetesCommandLineExecutor(config.build());
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid kubernetes option: " + e.getMessage());
        }
    }

    /** The size limit of one of the pod's volumes, in bytes as a Kubernetes quantity; never 0. */
    private static String sizeLimit(String text, String option, String volume) {
        long bytes = DockerOptions.size(text, option);
        if (bytes == 0) {
            throw new UsageException("invalid " + option + ": 0 (a pod's " + volume + " always has a size limit)");
        }
        return Long.toString(bytes);
    }

    /** A memory or storage limit in bytes as a Kubernetes quantity; {@code null} (no limit) for 0. */
    static String limitQuantity(long bytes) {
        return bytes == 0 ? null : Long.toString(bytes);
    }

    /** A CPU limit as a Kubernetes quantity in millicores, such as 500m; {@code null} (no limit) for 0. */
    static String cpuQuantity(double cpus) {
        if (cpus == 0) {
            return null;
        }
        long millicores = Math.round(cpus * 1000);
        if (cpus < 0 || millicores < 1 || Double.isNaN(cpus) || Double.isInfinite(cpus)) {
            throw new UsageException("invalid --cpus: " + cpus + " (expected 0 for none, or at least 0.001)");
        }
        return millicores + "m";
    }

    /** {@code text} as one of {@link #PULL_POLICIES}, in any case. */
    static String pullPolicy(String text) {
        return PULL_POLICIES.stream().filter(policy -> policy.equalsIgnoreCase(text.trim())).findFirst()
                .orElseThrow(() -> new UsageException("invalid --image-pull-policy '" + text + "': expected Always, IfNotPresent or Never"));
    }
}
