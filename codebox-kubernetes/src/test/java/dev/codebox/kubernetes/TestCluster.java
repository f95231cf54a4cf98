package dev.codebox.kubernetes;

import dev.codebox.testing.TestEnvironment;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cluster the tests use: scripts/setup-kubernetes.sh's (kubeconfig
 * {@code /var/lib/codebox-k8s/kubeconfig}, or {@code CODEBOX_TEST_KUBECONFIG}), namespace
 * {@value #NAMESPACE}, and the image codebox/python:3 loaded into it. Without a cluster the tests are
 * skipped with a message, except with {@code CI=true}, where they fail. Public for the CLI's tests
 * (this module's test-jar).
 */
public final class TestCluster {

    public static final String NAMESPACE = "codebox-test";
    public static final String IMAGE = "codebox/python:3";
    public static final Path KUBECONFIG = Path.of(System.getenv().getOrDefault("CODEBOX_TEST_KUBECONFIG", "/var/lib/codebox-k8s/kubeconfig"));

    private static KubernetesClient client;

    private TestCluster() {
    }

    /** A client of the test cluster; skips (or fails under CI) the calling test without one. */
    public static synchronized KubernetesClient client() {
        if (client == null) {
            String needed = "Kubernetes tests need the cluster of scripts/setup-kubernetes.sh (kubeconfig " + KUBECONFIG + ")";
            if (!Files.isReadable(KUBECONFIG)) {
                TestEnvironment.unavailable(needed + ": no kubeconfig", null);
            }
            try {
                KubernetesClient connected = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(null, KUBECONFIG.toFile())).build();
                connected.pods().inNamespace(NAMESPACE).list();
                client = connected;
            } catch (RuntimeException e) {
                TestEnvironment.unavailable(needed + ": " + e.getMessage(), e);
            }
        }
        return client;
    }

    /** A configuration builder for the test image in the test namespace. */
    static KubernetesExecutorConfig.Builder config() {
        client();
        return KubernetesExecutorConfig.builder().kubeconfig(KUBECONFIG).namespace(NAMESPACE).image(IMAGE)
                .imagePullPolicy("Never").startTimeout(java.time.Duration.ofSeconds(60));
    }

    /** The codebox pods of this JVM that exist now (terminating ones included). */
    static List<Pod> podsOfThisJvm() {
        return client().pods().inNamespace(NAMESPACE).withLabel(KubernetesPods.LABEL_MANAGED, "true")
                .withLabel(KubernetesPods.LABEL_OWNER_PID, Long.toString(ProcessHandle.current().pid())).list().getItems();
    }
}
