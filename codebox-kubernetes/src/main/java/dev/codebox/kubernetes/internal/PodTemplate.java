package dev.codebox.kubernetes.internal;

import dev.codebox.internal.ForkServerScript;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import dev.codebox.kubernetes.KubernetesPods;
import dev.codebox.runner.internal.RunnerProgram;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod of an executor, from its configuration: the runner as the main process of one container
 * with its stdin open (the attach stream), the hardened security contexts, the work dir and
 * {@code /tmp} volumes, resources and placement; the user's customizer last.
 */
public final class PodTemplate {

    /** The name of the runner's container. */
    public static final String CONTAINER = "runner";

    private PodTemplate() {
    }

    public static Pod build(KubernetesExecutorConfig config, String name, String namespace, String kind) {
        Map<String, String> labels = new HashMap<>(config.labels());
        labels.putAll(KubernetesPods.labels(kind));
        Map<String, String> annotations = new HashMap<>(config.annotations());
        annotations.putAll(KubernetesPods.ownerAnnotations());
        boolean root = config.runAsUser() == 0;
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                    .withRestartPolicy("Never")
                    .withEnableServiceLinks(false)
                    .withAutomountServiceAccountToken(config.automountServiceAccountToken())
                    .withServiceAccountName(config.serviceAccount().orElse(null))
                    .withRuntimeClassName(config.runtimeClassName().orElse(null))
                    .withNodeSelector(config.nodeSelector().isEmpty() ? null : config.nodeSelector())
                    .withTolerations(config.tolerations())
                    .withImagePullSecrets(config.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
                    .withTerminationGracePeriodSeconds(0L)
                    .withNewSecurityContext()
                        .withRunAsUser(config.runAsUser())
                        .withRunAsGroup(config.runAsGroup())
                        .withFsGroup(config.runAsGroup())
                        .withRunAsNonRoot(root ? null : true)
                        .withSeccompProfile(seccomp(config.seccompProfile()))
                    .endSecurityContext()
                    .withContainers(container(config))
                    .withVolumes(
                            new VolumeBuilder().withName("workspace").withNewEmptyDir().withSizeLimit(config.workDirSizeLimit()).endEmptyDir().build(),
                            new VolumeBuilder().withName("tmp").withNewEmptyDir().withMedium("Memory").withSizeLimit(config.tmpSizeLimit()).endEmptyDir().build())
                .endSpec()
                .build();
        Pod customized = config.podCustomizer().apply(pod);
        if (customized == null) {
            throw new IllegalArgumentException("the podCustomizer returned null instead of a pod");
        }
        return customized;
    }

    private static Container container(KubernetesExecutorConfig config) {
        Map<String, Quantity> limits = new LinkedHashMap<>();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        put(limits, "cpu", config.cpuLimit());
        put(requests, "cpu", config.cpuRequest());
        put(limits, "memory", config.memoryLimit());
        put(requests, "memory", config.memoryRequest());
        config.ephemeralStorageLimit().ifPresent(q -> limits.put("ephemeral-storage", q));
        config.ephemeralStorageRequest().ifPresent(q -> requests.put("ephemeral-storage", q));
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withCommand(RunnerProgram.command(RunnerProgram.STDIO, KubernetesExecutorConfig.POD_WORK_DIR, config.initCommand()))
                .withWorkingDir(KubernetesExecutorConfig.POD_WORK_DIR)
                .withStdin(true)
                .withStdinOnce(false)
                .withTty(false)
                .withEnv(environment(config))
                .withNewResources().withLimits(limits).withRequests(requests).endResources()
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(config.allowPrivilegeEscalation())
                    .withReadOnlyRootFilesystem(config.readOnlyRootFilesystem())
                    .withNewCapabilities().withDrop(config.dropCapabilities() ? List.of("ALL") : List.of()).endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("workspace").withMountPath(KubernetesExecutorConfig.POD_WORK_DIR).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }

    private static void put(Map<String, Quantity> into, String name, Quantity quantity) {
        if (quantity != null) {
            into.put(name, quantity);
        }
    }

    /** The secret is not here: the pod's spec is readable through the API; it goes over the stream. */
    private static List<EnvVar> environment(KubernetesExecutorConfig config) {
        Map<String, String> env = new LinkedHashMap<>();
        // No __pycache__ in the work dir (they would be output files); a writable HOME under a read-only root.
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("HOME", "/tmp");
        env.putAll(config.environment());
        if (config.pythonForkServer()) {
            env.put(RunnerProgram.FORK_SERVER_VARIABLE, ForkServerScript.source()); // the runner takes it out
        }
        List<EnvVar> vars = new ArrayList<>();
        env.forEach((key, value) -> vars.add(new EnvVar(key, value, null)));
        return vars;
    }

    private static SeccompProfile seccomp(String profile) {
        if (profile.startsWith("Localhost/")) {
            return new SeccompProfile(profile.substring("Localhost/".length()), "Localhost");
        }
        return new SeccompProfile(null, profile);
    }
}
