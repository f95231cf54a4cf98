package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What only the Kubernetes executor does, against the real test cluster. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KubernetesExecutorTest {

    private final TestExecutors executors = new TestExecutors();

    private KubernetesCommandLineExecutor started(KubernetesExecutorConfig config) {
        return executors.started(config);
    }

    @AfterEach
    void stopAll() {
        executors.stopAllAndCheckNoPodIsLeft();
    }

    private static Pod livePod(KubernetesCommandLineExecutor executor) {
        return TestCluster.client().pods().inNamespace(executor.namespace()).withName(executor.podName()).get();
    }

    @Test
    void hardeningIsReadBackFromTheLivePod() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().build());
        PodSpec spec = livePod(executor).getSpec();
        assertEquals(1000L, spec.getSecurityContext().getRunAsUser());
        assertEquals(1000L, spec.getSecurityContext().getRunAsGroup());
        assertTrue(spec.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", spec.getSecurityContext().getSeccompProfile().getType());
        assertFalse(spec.getAutomountServiceAccountToken());
        assertFalse(spec.getEnableServiceLinks());
        assertEquals("Never", spec.getRestartPolicy());
        Container container = spec.getContainers().get(0);
        assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
        assertEquals("1Gi", container.getResources().getLimits().get("memory").toString());
        assertEquals("1", container.getResources().getLimits().get("cpu").toString());
        Volume tmp = spec.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
        assertEquals("Memory", tmp.getEmptyDir().getMedium());
        assertTrue(container.getEnv().stream().noneMatch(e -> e.getName().contains("SECRET")), "no secret in the pod spec");

        // And from inside: the kernel's view of the same settings.
        CodeResult result = executor.execute(CodeBlock.bash(String.join("\n",
                "id -u; id -g",
                "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status",
                "touch /rootfile 2>/dev/null && echo root-writable || echo root-read-only",
                "touch /workspace/w && echo workspace-writable",
                "touch /tmp/t && echo tmp-writable",
                "grep ' /tmp ' /proc/mounts | cut -d' ' -f3",
                "test -e /var/run/secrets/kubernetes.io/serviceaccount && echo token || echo no-token",
                "env | grep -c CODEBOX_ || true")));
        assertEquals(0, result.exitCode(), result.output());
        String out = result.output();
        assertTrue(out.startsWith("1000\n1000\n"), out);
        assertTrue(out.contains("CapEff:\t0000000000000000"), out);
        assertTrue(out.contains("NoNewPrivs:\t1"), out);
        assertTrue(out.contains("Seccomp:\t2"), out);
        assertTrue(out.contains("root-read-only"), out);
        assertTrue(out.contains("workspace-writable") && out.contains("tmp-writable"), out);
        assertTrue(out.contains("\ntmpfs\n"), out);
        assertTrue(out.contains("no-token"), out);
        assertTrue(out.endsWith("\n0\n"), "no CODEBOX_ variable reaches code: " + out);
    }

    @Test
    void eachDefaultCanBeChanged() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config()
                .runAsUser(2000).runAsGroup(3000).readOnlyRootFilesystem(false).dropCapabilities(false)
                .allowPrivilegeEscalation(true).memoryLimit("256Mi").cpuLimit("500m").labels(Map.of("team", "evals"))
                .annotations(Map.of("note", "x")).environment("GREETING", "hi")
                .podCustomizer(pod -> {
                    pod.getMetadata().getLabels().put("customized", "yes");
                    return pod;
                }).build());
        Pod pod = livePod(executor);
        Container container = pod.getSpec().getContainers().get(0);
        assertEquals(2000L, pod.getSpec().getSecurityContext().getRunAsUser());
        assertFalse(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals("256Mi", container.getResources().getLimits().get("memory").toString());
        assertEquals("500m", container.getResources().getLimits().get("cpu").toString());
        assertEquals("evals", pod.getMetadata().getLabels().get("team"));
        assertEquals("yes", pod.getMetadata().getLabels().get("customized"));
        assertEquals("x", pod.getMetadata().getAnnotations().get("note"));
        CodeResult result = executor.execute(CodeBlock.bash("id -u; id -g; echo $GREETING"));
        assertEquals("2000\n3000\nhi\n", result.output());
    }

    @Test
    void blockOverTheMemoryLimitExits137WithAMessage() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().memoryLimit("128Mi").tmpSizeLimit("16Mi")
                .pythonForkServer(false).build());
        CodeResult result = executor.execute(CodeBlock.python("x = bytearray(512 << 20)\nx[::4096] = b'x' * len(x[::4096])\nprint('survived')"));
        assertEquals(137, result.exitCode(), result.output());
        assertTrue(result.output().contains("memory limit"), result.output());
        assertEquals("ok\n", executor.execute(CodeBlock.python("print('ok')")).output(), "the pod keeps serving");
    }

    @Test
    void deletedPodEndsTheBlockAndTheNextBlockGetsANewPod() throws Exception {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().build());
        assertEquals(0, executor.execute(CodeBlock.bash("echo kept > data.txt")).exitCode());
        String first = executor.podName();
        CompletableFuture<CodeResult> running = CompletableFuture.supplyAsync(
                () -> executor.execute(CodeBlock.bash("echo started; sleep 60")));
        Thread.sleep(1500);
        TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(first).withGracePeriod(0).delete();
        CodeResult lost = running.get(30, TimeUnit.SECONDS);
        assertEquals(1, lost.exitCode(), lost.output());
        assertTrue(lost.output().contains("started"), "output before the loss is kept: " + lost.output());
        assertTrue(lost.output().contains("pod " + first + " was deleted"), lost.output());

        CodeResult next = executor.execute(CodeBlock.bash("cat data.txt"));
        assertEquals(0, next.exitCode(), next.output());
        assertEquals("kept\n", next.output(), "the host mirror of the work dir goes into the new pod");
        assertNotEquals(first, executor.podName());
        assertNull(TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(first).get());
    }

    @Test
    void podEvictedByTheKubeletEndsTheBlockWithItsReasonAndTheNextBlockGetsANewPod() throws Exception {
        // The kubelet evicts a pod whose emptyDir outgrows its size limit, once its volume statistics
        // (gathered every minute by default) show it: the block may wait more than the default 60 s,
        // and still ends before its sleep would (a timeout is not an eviction).
        KubernetesCommandLineExecutor executor = started(TestCluster.config().workDirSizeLimit("4Mi")
                .timeout(Duration.ofSeconds(110)).build());
        String first = executor.podName();
        CodeResult evicted = executor.execute(CodeBlock.bash(
                "head -c 16777216 /dev/zero > big.bin && echo written; sleep 120"));
        assertEquals(1, evicted.exitCode(), evicted.output());
        assertTrue(evicted.output().contains("written"), "output before the eviction is kept: " + evicted.output());
        assertTrue(evicted.output().contains("pod " + first + " was evicted") && evicted.output().contains("EmptyDir"),
                evicted.output());

        CodeResult next = executor.execute(CodeBlock.bash("echo again"));
        assertEquals(0, next.exitCode(), next.output());
        assertNotEquals(first, executor.podName());
    }

    @Test
    void unschedulablePodFailsStartWithTheSchedulersReasonAndLeavesNoPod() {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config()
                .nodeSelector(Map.of("codebox.dev/no-such-node", "true")).startTimeout(Duration.ofSeconds(4)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
        assertTrue(e.getMessage().contains("did not start within 4 s"), e.getMessage());
        assertTrue(e.getMessage().contains("node selector") || e.getMessage().contains("node affinity"), e.getMessage());
        assertFalse(executor.isStarted());
    }

    @Test
    void missingImageFailsStartAtOnce() {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config()
                .image("codebox/no-such-image:1").build());
        long begin = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("ErrImageNeverPull"), e.getMessage());
        assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(30), "no wait for the start timeout");
    }

    @Test
    void failingInitCommandFailsStartWithItsOutput() {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config()
                .initCommand("echo preparing >&2; exit 7").build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
        assertTrue(e.getMessage().contains("preparing") && e.getMessage().contains("exit code 7"), e.getMessage());
    }

    /**
     * The secret is the first line of the runner's stdin, the attach stream: an init command that
     * reads its stdin gets nothing (it used to take the line, and the runner never came up), and no
     * process the code can read holds it.
     */
    @Test
    void anInitCommandThatReadsStdinGetsNothingAndTheSecretIsOutOfTheCodesReach() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config()
                .initCommand("cat > /tmp/init-stdin; sleep 1000 &").startTimeout(Duration.ofSeconds(30)).build());
        String scan = "import glob, os, re\n"
                + "print(os.path.getsize('/tmp/init-stdin'))\n"
                + "for name in glob.glob('/proc/[0-9]*/environ') + glob.glob('/proc/[0-9]*/cmdline'):\n"
                + "    try:\n"
                + "        data = open(name, 'rb').read()\n"
                + "    except OSError:\n"
                + "        continue\n"
                + "    if re.search(rb'CODEBOX_RUNNER_SECRET=[0-9a-f]{64}', data):\n"
                + "        print('found in', name)\n";
        assertEquals("0\n", executor.execute(CodeBlock.python(scan)).output());
    }

    @Test
    void refusedPodFailsStartWithTheApiServersMessage() {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config()
                .labels(Map.of("bad label!", "x")).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
        assertTrue(e.getMessage().contains("refused to create pod"), e.getMessage());
    }

    @Test
    void podOverTheNamespacesQuotaFailsStartWithTheQuotasMessage() {
        String namespace = "codebox-quota-" + ProcessHandle.current().pid();
        var client = TestCluster.client();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(namespace)
                .endMetadata().build()).create();
        try {
            client.resourceQuotas().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder()
                    .withNewMetadata().withName("no-pods").endMetadata()
                    .withNewSpec().addToHard("pods", new io.fabric8.kubernetes.api.model.Quantity("0")).endSpec().build()).create();
            // The quota is enforced once the controller-manager has computed its status.
            client.resourceQuotas().inNamespace(namespace).withName("no-pods").waitUntilCondition(
                    quota -> quota != null && quota.getStatus() != null && quota.getStatus().getHard() != null
                            && quota.getStatus().getHard().containsKey("pods"), 30, TimeUnit.SECONDS);
            KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config().namespace(namespace).build());
            CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
            assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
            assertTrue(e.getMessage().contains("exceeded quota"), e.getMessage());
        } finally {
            client.namespaces().withName(namespace).delete();
        }
    }

    @Test
    void functionsAreImportableInThePod() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().functions(
                dev.codebox.functions.PythonFunction.of("def add(a, b):\n    return a + b\n")).build());
        CodeResult result = executor.execute(CodeBlock.python("from functions import add\nprint(add(2, 3))"));
        assertEquals("5\n", result.output());
    }

    @Test
    void unreachableClusterFailsStartQuicklyAndSaysSo(@TempDir Path dir) throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n",
                "apiVersion: v1", "kind: Config", "current-context: nowhere",
                "clusters: [{name: nowhere, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
                "contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]",
                "users: [{name: nobody, user: {}}]", ""));
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(KubernetesExecutorConfig.builder()
                .kubeconfig(kubeconfig).build());
        long begin = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("https://127.0.0.1:1") && e.getMessage().contains("is not reachable"), e.getMessage());
        assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(15), "fails in seconds, not after fabric8's ten retries");
    }

    @Test
    void orphansOfBlocksAreReapedByTheRunner() throws Exception {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().build());
        for (int i = 0; i < 5; i++) {
            assertEquals(0, executor.execute(CodeBlock.bash("(sleep 0.2 &) ; (true &) ; echo $$")).exitCode());
        }
        Thread.sleep(2500); // the reaper looks once a second
        CodeResult zombies = executor.execute(CodeBlock.bash("ps -eo stat= | grep -c '^Z' || true"));
        assertEquals("0\n", zombies.output(), "the runner, PID 1 of the pod, reaps the orphans of blocks");
    }

    @Test
    void stopDeletesThePodAndWaitsUntilItIsGone() {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().build());
        String pod = executor.podName();
        executor.stop();
        assertNull(TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(pod).get());
    }

    @Test
    void filesGoInAndOutThroughTheRunner(@TempDir Path host) throws Exception {
        KubernetesCommandLineExecutor executor = started(TestCluster.config().build());
        Path input = Files.writeString(host.resolve("in.txt"), "from the host");
        executor.copyIn(input, "/workspace/data/in.txt");
        CodeResult result = executor.execute(CodeBlock.python(
                "text = open('data/in.txt').read()\nopen('out.txt', 'w').write(text.upper())\nprint(len(text))"));
        assertEquals("13\n", result.output());
        Path mirrored = executor.workDir().resolve("out.txt");
        assertTrue(result.outputFiles().contains(mirrored), result.outputFiles().toString());
        assertEquals("FROM THE HOST", Files.readString(mirrored, StandardCharsets.UTF_8));
        executor.copyOut("data/in.txt", host.resolve("back.txt"));
        assertEquals("from the host", Files.readString(host.resolve("back.txt")));
        assertThrows(IllegalArgumentException.class, () -> executor.copyOut("../etc/passwd", host.resolve("x")));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> executor.copyOut("missing.txt", host.resolve("x")));
    }

    @Test
    void pruneDeletesPodsOfGoneOwnersOnly() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Pod orphan = new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata().withName("codebox-orphan-" + ProcessHandle.current().pid())
                .withLabels(Map.of(KubernetesPods.LABEL_MANAGED, "true", KubernetesPods.LABEL_KIND, KubernetesPods.KIND_EXECUTOR))
                .withAnnotations(Map.of(KubernetesPods.ANNOTATION_OWNER_HOST, java.net.InetAddress.getLocalHost().getHostName(),
                        KubernetesPods.ANNOTATION_OWNER_PID, Long.toString(gone.pid()),
                        KubernetesPods.ANNOTATION_OWNER_START, "gone"))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(TestCluster.IMAGE).withImagePullPolicy("Never")
                .withCommand("sleep", "600").endContainer().withTerminationGracePeriodSeconds(0L).endSpec().build();
        TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).resource(orphan).create();
        KubernetesCommandLineExecutor alive = started(TestCluster.config().build());

        List<String> deleted = KubernetesPods.prune(TestCluster.client(), TestCluster.NAMESPACE);
        assertEquals(List.of(orphan.getMetadata().getName()), deleted);
        assertNull(TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(orphan.getMetadata().getName()).get());
        assertEquals(0, alive.execute(CodeBlock.bash("true")).exitCode(), "the pod of a running owner is kept");
    }
}
