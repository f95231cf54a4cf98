package dev.codebox.kubernetes;

import dev.codebox.internal.Owner;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods codebox creates, and how pods left behind are found again.
 *
 * <p>Every pod carries the labels {@value #LABEL_MANAGED}{@code =true} and {@value #LABEL_KIND}, and
 * annotations naming its owner: the JVM's host ({@value #ANNOTATION_OWNER_HOST}), process id
 * ({@value #ANNOTATION_OWNER_PID}) and start instant ({@value #ANNOTATION_OWNER_START}); the pid
 * is a label too ({@value #LABEL_OWNER_PID}), for {@code kubectl get pods -l}. {@link #prune}
 * deletes the pods whose owner was on this host and is gone.
 */
public final class KubernetesPods {

    /** Label of every pod codebox creates: {@code true}. */
    public static final String LABEL_MANAGED = "codebox.dev/managed";
    /** Label naming what created the pod: {@value #KIND_EXECUTOR} or {@value #KIND_POOL}. */
    public static final String LABEL_KIND = "codebox.dev/kind";
    /** Label with the owner JVM's process id. */
    public static final String LABEL_OWNER_PID = "codebox.dev/owner-pid";
    /** Annotation with the owner JVM's host name. */
    public static final String ANNOTATION_OWNER_HOST = "codebox.dev/owner-host";
    /** Annotation with the owner JVM's process id. */
    public static final String ANNOTATION_OWNER_PID = "codebox.dev/owner-pid";
    /** Annotation with the owner JVM's start instant. */
    public static final String ANNOTATION_OWNER_START = "codebox.dev/owner-start";
    /** The kind of an executor's pod. */
    public static final String KIND_EXECUTOR = "executor";
    /** The kind of a pod started ahead of time by a {@link KubernetesPool}. */
    public static final String KIND_POOL = "pool";

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesPods.class);

    private KubernetesPods() {
    }

    /** The labels of a pod of {@code kind} created by this JVM. */
    public static Map<String, String> labels(String kind) {
        return Map.of(LABEL_MANAGED, "true", LABEL_KIND, kind, LABEL_OWNER_PID, Owner.PID);
    }

    /** The annotations naming this JVM as the owner. */
    public static Map<String, String> ownerAnnotations() {
        return Map.of(ANNOTATION_OWNER_HOST, Owner.HOST, ANNOTATION_OWNER_PID, Owner.PID, ANNOTATION_OWNER_START, Owner.START);
    }

    /**
     * Deletes (grace period 0) the codebox pods of {@code namespace} whose owner JVM ran on this host
     * and is no longer running (no process has its pid, or that process started at another instant),
     * and waits until they are gone. Pods of other hosts and of running programs are kept.
     *
     * @return the names of the deleted pods
     * @throws KubernetesClientException when the cluster refuses to list or delete pods
     */
    public static List<String> prune(KubernetesClient client, String namespace) {
        List<String> deleted = new ArrayList<>();
        for (Pod pod : client.pods().inNamespace(namespace).withLabel(LABEL_MANAGED, "true").list().getItems()) {
            Map<String, String> annotations = Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
            if (!Owner.HOST.equals(annotations.get(ANNOTATION_OWNER_HOST))
                    || Owner.isAlive(annotations.getOrDefault(ANNOTATION_OWNER_PID, ""), annotations.get(ANNOTATION_OWNER_START))) {
                continue;
            }
            String name = pod.getMetadata().getName();
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
            deleted.add(name);
            LOG.info("deleted pod {} left by process {}", name, annotations.get(ANNOTATION_OWNER_PID));
        }
        for (String name : deleted) {
            client.pods().inNamespace(namespace).withName(name).waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
        }
        return deleted;
    }
}
