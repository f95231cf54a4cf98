package dev.codebox.kubernetes.internal;

import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.CodeExecutorException;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client of the cluster shared by the pods of one executor or one pool: closed when the last of
 * them lets go of it ({@link #retain()}, {@link #close()}), so that an executor handed out by a pool
 * outlives the pool.
 */
public final class Cluster implements AutoCloseable {

    private static final int CONNECT_MILLIS = 5000;

    private final KubernetesClient client;
    private final String namespace;
    private final AtomicInteger users = new AtomicInteger(1);

    private Cluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * A client configured as kubectl would be ({@code kubeconfig}, else {@code KUBECONFIG},
     * {@code ~/.kube/config}, or the in-cluster service account), in the configured namespace, else
     * the context's, else {@code default}.
     *
     * @throws CodeExecutorException ({@code ENGINE_UNREACHABLE}) when no configuration is found
     */
    public static Cluster connect(KubernetesExecutorConfig config) {
        // Before fabric8 reads it: it takes a missing file for an empty configuration.
        if (config.kubeconfig().isPresent() && !Files.isReadable(config.kubeconfig().get())) {
            throw new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "the kubeconfig " + config.kubeconfig().get()
                    + " is missing or unreadable");
        }
        Config clientConfig;
        try {
            String context = config.context().orElse(null);
            clientConfig = config.kubeconfig().isPresent()
                    ? Config.fromKubeconfig(context, config.kubeconfig().get().toFile())
                    : Config.autoConfigure(context);
        } catch (RuntimeException e) {
            throw new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "cannot read the Kubernetes configuration"
                    + config.kubeconfig().map(path -> " " + path).orElse("") + ": " + e.getMessage(), e);
        }
        if (clientConfig.getMasterUrl() == null || clientConfig.getMasterUrl().isBlank()) {
            throw new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "no Kubernetes cluster is configured: set KUBECONFIG,"
                    + " create ~/.kube/config, or give a kubeconfig");
        }
        // One attempt, not fabric8's ten with back-off: an unreachable API fails start in seconds, not half a minute.
        clientConfig.setRequestRetryBackoffLimit(1);
        clientConfig.setConnectionTimeout(CONNECT_MILLIS);
        String namespace = config.namespace().orElse(clientConfig.getNamespace() == null ? "default" : clientConfig.getNamespace());
        return new Cluster(new KubernetesClientBuilder().withConfig(clientConfig).build(), namespace);
    }

    public KubernetesClient client() {
        return client;
    }

    public String namespace() {
        return namespace;
    }

    /** One more user of this client; each calls {@link #close()} once. */
    public Cluster retain() {
        if (users.getAndIncrement() <= 0) {
            users.decrementAndGet();
            throw new IllegalStateException("the Kubernetes client is closed");
        }
        return this;
    }

    @Override
    public void close() {
        if (users.decrementAndGet() == 0) {
            client.close();
        }
    }
}
