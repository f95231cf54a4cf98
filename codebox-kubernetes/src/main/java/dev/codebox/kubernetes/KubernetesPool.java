package dev.codebox.kubernetes;

import dev.codebox.CodeExecutorException;
import dev.codebox.ExecutorPool;
import dev.codebox.PoolSettings;
import dev.codebox.internal.Owner;
import dev.codebox.kubernetes.internal.Cluster;
import dev.codebox.kubernetes.internal.RunnerPod;
import dev.codebox.runner.internal.WarmPool;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;

/**
 * Pods started ahead of time from one {@link KubernetesExecutorConfig template}, each handed over as
 * a started {@link KubernetesCommandLineExecutor} of its own (its own pod and host work dir). A pod
 * is used by one executor only, never by another user: stopping the executor deletes it, and the
 * pool starts another in the background.
 *
 * <p>Before a ready pod is handed over its runner must answer a ping over its attach stream (the
 * health check); one that does not (deleted, evicted) is deleted and the next one tried. When none
 * is ready, {@link #acquire()} starts a pod as a plain executor would; with {@code maxSize} pods of
 * the pool in use it waits for one to be deleted. A pod that cannot start is logged and retried
 * after 5 seconds; {@code acquire()} then throws the executor's own {@link CodeExecutorException}.
 * Settings: {@link PoolSettings} (minReady, maxStarting, idleTimeout, maxSize, acquireTimeout).
 *
 * <p>Waiting pods carry codebox's labels ({@value KubernetesPods#LABEL_KIND}
 * {@value KubernetesPods#KIND_POOL}) so that {@link KubernetesPods#prune} deletes them after a crash;
 * a JVM shutdown hook closes a pool that is still open at exit. All pods of a pool share one client
 * of the cluster.
 */
public final class KubernetesPool implements ExecutorPool<KubernetesCommandLineExecutor> {

    private final KubernetesExecutorConfig template;
    private final PoolSettings settings;
    private final Cluster cluster;
    private final SharedIndexInformer<Pod> watch;
    private final WarmPool<RunnerPod> pods;

    private KubernetesPool(KubernetesExecutorConfig template, PoolSettings settings, Cluster cluster) {
        this.template = template;
        this.settings = settings;
        this.cluster = cluster;
        this.watch = watch(cluster);
        this.pods = new WarmPool<>("pod", settings, this::startPod, template.startTimeout());
    }

    /**
     * One watch of this pool's pods keeps their state at hand: the health check needs no GET.
     * Closes the cluster's client when the watch cannot start.
     */
    private static SharedIndexInformer<Pod> watch(Cluster cluster) {
        try {
            return cluster.client().pods().inNamespace(cluster.namespace())
                    .withLabel(KubernetesPods.LABEL_KIND, KubernetesPods.KIND_POOL)
                    .withLabel(KubernetesPods.LABEL_OWNER_PID, Owner.PID).inform();
        } catch (KubernetesClientException e) {
            String server = cluster.client().getMasterUrl().toString();
            cluster.close();
            throw new CodeExecutorException(RunnerPod.notAnswered(e) ? CodeExecutorException.Reason.ENGINE_UNREACHABLE
                    : CodeExecutorException.Reason.START_FAILED, "cannot watch the pool's pods in namespace " + cluster.namespace()
                    + " of the Kubernetes API at " + server + " (the pool needs to list and watch pods): " + RunnerPod.message(e), e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private RunnerPod startPod() {
        RunnerPod pod = RunnerPod.start(cluster.retain(), template, KubernetesPods.KIND_POOL);
        pod.useCache(watch.getStore()::getByKey);
        return pod;
    }

    /**
     * A pool that starts filling at once.
     *
     * @param template the configuration of every pod; it must not name a work dir, which each pod
     *     needs of its own
     * @throws IllegalArgumentException when the template names a work dir
     * @throws CodeExecutorException when no cluster is configured
     */
    public static KubernetesPool create(KubernetesExecutorConfig template, PoolSettings settings) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(settings, "settings");
        if (template.workDir().isPresent()) {
            throw new IllegalArgumentException("a pooled pod needs a work dir of its own: leave workDir unset in the template");
        }
        return new KubernetesPool(template, settings, Cluster.connect(template));
    }

    /** The template every pod is created from. */
    public KubernetesExecutorConfig template() {
        return template;
    }

    public PoolSettings settings() {
        return settings;
    }

    @Override
    public KubernetesCommandLineExecutor acquire() {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(template, pods.take());
        executor.start();
        return executor;
    }

    @Override
    public int ready() {
        return pods.ready();
    }

    /** Deletes the waiting pods (and those still starting); executors already handed over stay their callers'. */
    @Override
    public void close() {
        try {
            pods.close();
        } finally {
            watch.close();
            cluster.close();
        }
    }

    @Override
    public String toString() {
        return "KubernetesPool[image=" + template.image() + ", " + pods + "]";
    }
}
