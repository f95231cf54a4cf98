package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minimal Role of docs/kubernetes.md is enough: a service account bound to exactly that Role
 * (read from the page itself) starts an executor, runs a block, has a start failure explained, stops
 * and prunes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KubernetesRbacTest {

    @Test
    void theDocumentedRoleIsEnoughForEverythingTheExecutorDoes(@TempDir Path dir) throws Exception {
        KubernetesClient admin = TestCluster.client();
        String ns = TestCluster.NAMESPACE;
        String name = "codebox-rbac-" + ProcessHandle.current().pid();
        Role role = admin.rbac().roles().load(new ByteArrayInputStream(KubernetesDoc.yamlOf("Role").getBytes(StandardCharsets.UTF_8))).item();
        role.getMetadata().setName(name);
        role.getMetadata().setNamespace(ns);
        try {
            admin.rbac().roles().inNamespace(ns).resource(role).create();
            admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName(name)
                    .endMetadata().build()).create();
            admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                    .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(ns).endSubject().build()).create();
            ServiceAccount account = admin.serviceAccounts().inNamespace(ns).withName(name)
                    .waitUntilCondition(sa -> sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty(), 60, TimeUnit.SECONDS);
            Secret secret = admin.secrets().inNamespace(ns).withName(account.getSecrets().get(0).getName()).get();
            String token = new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
            Config adminConfig = Config.fromKubeconfig(null, TestCluster.KUBECONFIG.toFile());
            Path ca = Files.writeString(dir.resolve("ca.crt"), adminConfig.getCaCertData() != null
                    ? new String(Base64.getDecoder().decode(adminConfig.getCaCertData()), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(adminConfig.getCaCertFile())));
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n",
                    "apiVersion: v1", "kind: Config", "current-context: limited",
                    "clusters: [{name: c, cluster: {server: '" + adminConfig.getMasterUrl() + "', certificate-authority: '" + ca + "'}}]",
                    "contexts: [{name: limited, context: {cluster: c, user: u, namespace: " + ns + "}}]",
                    "users: [{name: u, user: {token: '" + token + "'}}]", ""));

            KubernetesExecutorConfig.Builder limited = KubernetesExecutorConfig.builder().kubeconfig(kubeconfig)
                    .image(TestCluster.IMAGE).imagePullPolicy("Never");
            try (KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(limited.build())) {
                executor.start();
                assertEquals(ns, executor.namespace(), "the namespace of the kubeconfig's context");
                assertEquals("ok\n", executor.execute(CodeBlock.python("open('f.txt', 'w').write('x'); print('ok')")).output());
                assertTrue(Files.exists(executor.workDir().resolve("f.txt")));
            }
            KubernetesCommandLineExecutor failing = new KubernetesCommandLineExecutor(limited.initCommand("echo nope >&2; exit 3").build());
            dev.codebox.CodeExecutorException e = org.junit.jupiter.api.Assertions.assertThrows(dev.codebox.CodeExecutorException.class,
                    failing::start);
            assertTrue(e.getMessage().contains("nope"), "the runner's log is readable with the Role: " + e.getMessage());
            try (KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(null, kubeconfig.toFile())).build()) {
                assertEquals(List.of(), KubernetesPods.prune(client, ns));
            }
            assertEquals(List.of(), TestCluster.podsOfThisJvm());
        } finally {
            admin.rbac().roleBindings().inNamespace(ns).withName(name).delete();
            admin.serviceAccounts().inNamespace(ns).withName(name).delete();
            admin.rbac().roles().inNamespace(ns).withName(name).delete();
        }
    }
}
