package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The NetworkPolicy of docs/kubernetes.md that denies codebox's pods all traffic: the API server
 * accepts it as the page shows it, and its selector picks a live executor's pod. Enforcement needs
 * a network plugin that implements policies, which the test cluster lacks, so the policy goes in as
 * a dry run: it could otherwise cut the traffic of other tests' pods on a cluster that enforces it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubernetesNetworkPolicyTest {

    @Test
    void theDocumentedPolicyIsValidAndSelectsTheExecutorsPods() {
        KubernetesClient client = TestCluster.client();
        NetworkPolicy policy = client.network().v1().networkPolicies()
                .load(new ByteArrayInputStream(KubernetesDoc.yamlOf("NetworkPolicy").getBytes(StandardCharsets.UTF_8))).item();
        policy.getMetadata().setNamespace(TestCluster.NAMESPACE);
        NetworkPolicy accepted = client.network().v1().networkPolicies().inNamespace(TestCluster.NAMESPACE).resource(policy)
                .dryRun().create();
        assertEquals(List.of("Egress", "Ingress"), accepted.getSpec().getPolicyTypes());
        assertTrue(accepted.getSpec().getEgress().isEmpty() && accepted.getSpec().getIngress().isEmpty(), "denies all traffic");

        try (KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config().build())) {
            executor.start();
            List<String> selected = client.pods().inNamespace(TestCluster.NAMESPACE)
                    .withLabels(accepted.getSpec().getPodSelector().getMatchLabels()).list().getItems().stream()
                    .map(pod -> pod.getMetadata().getName()).toList();
            assertTrue(selected.contains(executor.podName()), selected + " lacks " + executor.podName());
        }
        assertEquals(List.of(), TestCluster.podsOfThisJvm(), "pods left behind");
    }
}
