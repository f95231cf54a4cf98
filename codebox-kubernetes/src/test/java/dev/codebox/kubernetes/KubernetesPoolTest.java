package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.PoolSettings;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Warm pods: acquire, refill, health check, drain; against the real test cluster. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KubernetesPoolTest {

    @AfterEach
    void nothingLeft() {
        assertEquals(List.of(), TestCluster.podsOfThisJvm().stream().map(p -> p.getMetadata().getName()).toList(),
                "pods left behind");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(100);
        }
    }

    private static String kind(String pod) {
        Pod live = TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(pod).get();
        return live.getMetadata().getLabels().get(KubernetesPods.LABEL_KIND);
    }

    @Test
    void handsOverReadyPodsOnceAndRefills() throws Exception {
        try (KubernetesPool pool = KubernetesPool.create(TestCluster.config().build(),
                PoolSettings.builder().minReady(2).maxStarting(2).build())) {
            await(() -> pool.ready() == 2, "two pods are ready");
            KubernetesCommandLineExecutor first = pool.acquire();
            KubernetesCommandLineExecutor second = pool.acquire();
            try {
                assertEquals(KubernetesPods.KIND_POOL, kind(first.podName()), "a pooled pod was handed over");
                assertNotEquals(first.podName(), second.podName());
                assertEquals("1\n", first.execute(CodeBlock.python("print(1)")).output());
                String used = first.podName();
                first.stop();
                assertNull(TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(used).get(),
                        "a used pod is deleted, never handed to another executor");
                await(() -> pool.ready() == 2, "the pool refilled");
            } finally {
                first.stop();
                second.stop();
            }
        }
    }

    @Test
    void aPoolWhoseClusterDoesNotAnswerIsAClearErrorAndLeavesNoThread(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path kubeconfig = java.nio.file.Files.writeString(dir.resolve("kubeconfig"), String.join("\n",
                "apiVersion: v1", "kind: Config", "current-context: nowhere",
                "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
                "contexts: [{name: nowhere, context: {cluster: c, user: u, namespace: " + TestCluster.NAMESPACE + "}}]",
                "users: [{name: u, user: {token: 'not-a-token'}}]", ""));
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        dev.codebox.CodeExecutorException e = assertThrows(dev.codebox.CodeExecutorException.class, () -> KubernetesPool.create(
                KubernetesExecutorConfig.builder().kubeconfig(kubeconfig).image(TestCluster.IMAGE).build(), PoolSettings.builder().build()));
        assertEquals(dev.codebox.CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot watch the pool's pods in namespace " + TestCluster.NAMESPACE
                + " of the Kubernetes API at https://127.0.0.1:1"), e.getMessage());
        assertFalse(e.getMessage().contains("not-a-token"), e.getMessage());
        await(() -> Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .noneMatch(t -> t.getName().contains("Informer") || t.getName().toLowerCase(java.util.Locale.ROOT).contains("okhttp")
                        || t.getName().toLowerCase(java.util.Locale.ROOT).contains("vert.x")), "the client's threads end");
    }

    @Test
    void skipsAPodDeletedBehindItsBack() throws Exception {
        try (KubernetesPool pool = KubernetesPool.create(TestCluster.config().build(),
                PoolSettings.builder().minReady(1).maxStarting(1).build())) {
            await(() -> pool.ready() == 1, "a pod is ready");
            String doomed = TestCluster.podsOfThisJvm().get(0).getMetadata().getName();
            TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(doomed).withGracePeriod(0).delete();
            TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(doomed)
                    .waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
            KubernetesCommandLineExecutor executor = pool.acquire();
            try {
                assertNotEquals(doomed, executor.podName());
                assertEquals(0, executor.execute(CodeBlock.python("pass")).exitCode());
            } finally {
                executor.stop();
            }
        }
    }

    @Test
    void maxSizeBoundsThePodsInUseAndAcquireWaitsForOneToBeDeleted() throws Exception {
        try (KubernetesPool pool = KubernetesPool.create(TestCluster.config().build(), PoolSettings.builder()
                // Long enough for the waiting acquire below to outlast a pod's deletion on a loaded machine.
                .minReady(1).maxStarting(1).maxSize(2).acquireTimeout(Duration.ofSeconds(15)).build())) {
            KubernetesCommandLineExecutor first = pool.acquire();
            KubernetesCommandLineExecutor second = pool.acquire();
            try {
                Thread.sleep(1000);
                assertEquals(0, pool.ready(), "no pod beyond maxSize is started");
                assertEquals(2, TestCluster.podsOfThisJvm().size());
                dev.codebox.CodeExecutorException e = assertThrows(dev.codebox.CodeExecutorException.class, pool::acquire);
                assertEquals(dev.codebox.CodeExecutorException.Reason.POOL_EXHAUSTED, e.reason(), e.getMessage());

                java.util.concurrent.CompletableFuture<KubernetesCommandLineExecutor> waiting =
                        java.util.concurrent.CompletableFuture.supplyAsync(pool::acquire);
                Thread.sleep(500);
                assertFalse(waiting.isDone(), "acquire waits at maxSize");
                first.stop();
                KubernetesCommandLineExecutor third = waiting.get(60, TimeUnit.SECONDS);
                try {
                    assertEquals("3\n", third.execute(CodeBlock.python("print(3)")).output());
                } finally {
                    third.stop();
                }
            } finally {
                first.stop();
                second.stop();
            }
        }
    }

    @Test
    void closeDrainsWaitingPodsAndHandedOverExecutorsKeepWorking() throws Exception {
        KubernetesCommandLineExecutor kept;
        KubernetesPool pool = KubernetesPool.create(TestCluster.config().build(),
                PoolSettings.builder().minReady(2).maxStarting(2).idleTimeout(Duration.ofMinutes(5)).build());
        try {
            await(() -> pool.ready() == 2, "two pods are ready");
            kept = pool.acquire();
        } finally {
            pool.close();
        }
        try {
            assertEquals(List.of(kept.podName()), TestCluster.podsOfThisJvm().stream().map(p -> p.getMetadata().getName()).toList(),
                    "only the handed-over pod is left");
            assertEquals("still\n", kept.execute(CodeBlock.python("print('still')")).output());
            assertThrows(IllegalStateException.class, pool::acquire);
        } finally {
            kept.stop();
        }
    }
}
