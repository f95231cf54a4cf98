package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.PoolSettings;
import dev.codebox.kubernetes.KubernetesCommandLineExecutor;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import dev.codebox.kubernetes.KubernetesPool;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes executor on the cluster of scripts/setup-kubernetes.sh: a warm block against a
 * fabric8 pod exec of the same {@code python3 -c 'print(1)'} in the same run, the start of a pod
 * with its first block against creating an equal plain pod and exec-ing once, a pool's acquire
 * against an executor's start, and blocks per second with 8 threads on one executor against 8
 * threads of pod exec.
 */
final class KubernetesBench implements Bench {

    static final String SECTION = "kubernetes";
    static final Path KUBECONFIG = Path.of(System.getenv().getOrDefault("CODEBOX_BENCH_KUBECONFIG", "/var/lib/codebox-k8s/kubeconfig"));
    static final String NAMESPACE = System.getenv().getOrDefault("CODEBOX_BENCH_NAMESPACE", "codebox-test");
    private static final CodeBlock PRINT = CodeBlock.python("print(1)");
    private static final int MIN_STARTS = 5;

    static KubernetesExecutorConfig config() {
        return KubernetesExecutorConfig.builder().kubeconfig(KUBECONFIG).namespace(NAMESPACE).image(DockerBench.IMAGE)
                .imagePullPolicy("Never").build();
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "pods through the resident runner (one attach stream per pod)";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null, KUBECONFIG.toFile())).build()) {
            List<Row> rows = new ArrayList<>();
            rows.add(warmBlock(options, client));
            rows.add(startAndFirstBlock(options, client));
            rows.add(poolAcquire(options));
            rows.add(eightThreads(options, client));
            return rows;
        }
    }

    private static Row warmBlock(BenchOptions options, KubernetesClient client) throws Exception {
        try (KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(config());
             PlainPod plain = PlainPod.start(client)) {
            executor.start();
            Interleaved.Comparison compared = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(executor.execute(PRINT), "1\n"),
                    () -> Programs.checkOutput(plain.execPrint(), "1\n"));
            return Row.latency(SECTION, "warm block print(1)", compared.codebox(), "fabric8 pod exec", compared.baseline(),
                    Target.both(Target.medianAtMost(20, "ms"), Target.ratioAtMost(0.1)));
        }
    }

    private static Row startAndFirstBlock(BenchOptions options, KubernetesClient client) throws Exception {
        int starts = Math.max(MIN_STARTS, options.rounds());
        long[] codebox = new long[starts];
        long[] baseline = new long[starts];
        for (int i = 0; i < starts; i++) {
            try (KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(config())) {
                codebox[i] = Interleaved.time(() -> {
                    executor.start();
                    Programs.check(executor.execute(PRINT), "1\n");
                });
            }
            PlainPod[] started = new PlainPod[1];
            try {
                baseline[i] = Interleaved.time(() -> {
                    started[0] = PlainPod.start(client);
                    Programs.checkOutput(started[0].execPrint(), "1\n");
                });
            } finally {
                if (started[0] != null) {
                    started[0].close();
                }
            }
        }
        return Row.latency(SECTION, "pod start + first block", Samples.ofNanosAsMillis(codebox),
                "create pod, wait Running, exec", Samples.ofNanosAsMillis(baseline), Target.none());
    }

    private static Row poolAcquire(BenchOptions options) throws Exception {
        int acquires = Math.max(MIN_STARTS, Math.min(options.iterations(), 20));
        long[] acquired = new long[acquires];
        long[] unpooled = new long[acquires];
        try (KubernetesPool pool = KubernetesPool.create(config(), PoolSettings.builder().minReady(1).build())) {
            for (int i = 0; i < acquires; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (pool.ready() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                KubernetesCommandLineExecutor[] executor = new KubernetesCommandLineExecutor[1];
                acquired[i] = Interleaved.time(() -> executor[0] = pool.acquire());
                Programs.check(executor[0].execute(PRINT), "1\n");
                executor[0].close();
                try (KubernetesCommandLineExecutor fresh = new KubernetesCommandLineExecutor(config())) {
                    unpooled[i] = Interleaved.time(fresh::start);
                }
            }
        }
        return Row.latency(SECTION, "pool acquire (a started executor)", Samples.ofNanosAsMillis(acquired),
                "executor start, no pool", Samples.ofNanosAsMillis(unpooled), Target.medianAtMost(50, "ms"));
    }

    private static Row eightThreads(BenchOptions options, KubernetesClient client) throws Exception {
        try (KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(config());
             PlainPod plain = PlainPod.start(client)) {
            executor.start();
            return ConcurrencyBench.throughput(options, SECTION, 8, "8 threads, one executor",
                    thread -> () -> Programs.check(executor.execute(PRINT), "1\n"),
                    thread -> () -> Programs.checkOutput(plain.execPrint(), "1\n"), "fabric8 pod exec, 8 threads");
        }
    }

    /** A plain pod of the same image and namespace that sleeps, for the exec baseline. */
    private static final class PlainPod implements AutoCloseable {
        private final KubernetesClient client;
        private final String name;

        private PlainPod(KubernetesClient client, String name) {
            this.client = client;
            this.name = name;
        }

        static PlainPod start(KubernetesClient client) {
            String name = "codebox-bench-" + Long.toHexString(System.nanoTime());
            Pod pod = new PodBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewSpec().addNewContainer().withName("main").withImage(DockerBench.IMAGE).withImagePullPolicy("Never")
                    .withCommand("sleep", "3600").endContainer().withTerminationGracePeriodSeconds(0L).endSpec().build();
            client.pods().inNamespace(NAMESPACE).resource(pod).create();
            PlainPod plain = new PlainPod(client, name);
            try {
                client.pods().inNamespace(NAMESPACE).withName(name).waitUntilCondition(
                        p -> p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase()), 120, TimeUnit.SECONDS);
            } catch (RuntimeException e) {
                plain.close();
                throw e;
            }
            return plain;
        }

        String execPrint() throws Exception {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ExecWatch watch = client.pods().inNamespace(NAMESPACE).withName(name).inContainer("main")
                    .writingOutput(out).exec("python3", "-c", "print(1)")) {
                watch.exitCode().get(60, TimeUnit.SECONDS);
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            client.pods().inNamespace(NAMESPACE).withName(name).withGracePeriod(0).delete();
            client.pods().inNamespace(NAMESPACE).withName(name).waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
        }
    }
}
