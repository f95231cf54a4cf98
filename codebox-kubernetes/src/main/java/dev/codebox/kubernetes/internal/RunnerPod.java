package dev.codebox.kubernetes.internal;

import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.CodeExecutorException;
import dev.codebox.internal.TempDirs;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import dev.codebox.runner.internal.CloseActions;
import dev.codebox.runner.internal.MirroredWorkDir;
import dev.codebox.runner.internal.ResidentRunner;
import dev.codebox.runner.internal.RunnerConnection;
import dev.codebox.runner.internal.RunnerHost;
import dev.codebox.runner.internal.RunnerSecret;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An executor's pod with its runner as the main process, reached over one attach stream. A stream
 * that ended is attached again while the pod lives; a pod that was deleted, evicted or whose runner
 * ended is replaced by a new pod (new name) that receives the host mirror of the work dir.
 */
public final class RunnerPod implements RunnerHost {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerPod.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long HANDSHAKE_MILLIS = 10_000;
    /** How long a pod that lost its runner may take to show as deleted, evicted or terminated. */
    private static final long SETTLE_MILLIS = 2000;
    private static final long DELETE_WAIT_SECONDS = 60;
    /** Reasons of a waiting container that no wait will cure. */
    private static final Set<String> FATAL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull",
            "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff");

    /**
     * Pods being created, by name: an executor registers for deletion at exit only once started, so
     * a JVM that exits while a pod starts deletes it here.
     */
    private static final Map<String, RunnerPod> STARTING = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTING.forEach((podName, pod) -> {
            try {
                pod.client.pods().inNamespace(pod.namespace).withName(podName).withGracePeriod(0).delete();
            } catch (RuntimeException e) {
                LOG.warn("could not delete pod {}, which was starting at exit: {}", podName, e.toString());
            }
        }), "codebox-kubernetes-starting-pods"));
    }

    private final Cluster cluster;
    private final KubernetesClient client;
    private final String namespace;
    private final KubernetesExecutorConfig config;
    private final String kind;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private volatile String name;
    private volatile RunnerSecret secret;
    private volatile RunnerConnection connection;
    private volatile Map<String, String> interpreters = Map.of();
    private volatile boolean closed;
    private final CloseActions closeActions = new CloseActions();
    /** The pod as a watch last saw it, by namespace/name, or null; a GET when there is no watch. */
    private volatile java.util.function.Function<String, Pod> cached = key -> null;

    private RunnerPod(Cluster cluster, KubernetesExecutorConfig config, String kind, Path workDir, boolean ownsWorkDir) {
        this.cluster = cluster;
        this.client = cluster.client();
        this.namespace = cluster.namespace();
        this.config = config;
        this.kind = kind;
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
    }

    /**
     * Creates the host work dir and the pod, waits until its runner answers, and proves the secret.
     * Whatever was created is deleted again when this fails.
     *
     * @throws CodeExecutorException ({@code START_FAILED}, {@code IMAGE_UNAVAILABLE}, {@code WORK_DIR},
     *     {@code ENGINE_UNREACHABLE}) with the cluster's reason
     * @param cluster a reference to the client, released when the pod is closed (or did not start)
     */
    public static RunnerPod start(Cluster cluster, KubernetesExecutorConfig config, String kind) {
        try {
            return start(cluster, config, kind, workDir(config));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static Path workDir(KubernetesExecutorConfig config) {
        try {
            return config.workDir().isEmpty() ? TempDirs.create() : Files.createDirectories(config.workDir().get().toAbsolutePath(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.WORK_DIR, "cannot create the work dir " + config.workDir().get() + ": " + e, e);
        }
    }

    private static RunnerPod start(Cluster cluster, KubernetesExecutorConfig config, String kind, Path workDir) {
        boolean owns = config.workDir().isEmpty();
        RunnerPod pod = new RunnerPod(cluster, config, kind, workDir, owns);
        try {
            pod.createAndConnect();
            return pod;
        } catch (RuntimeException e) {
            if (owns) {
                TempDirs.deleteRecursively(workDir);
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "pod";
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public boolean mirrorsWorkDir() {
        return true;
    }

    @Override
    public long copyBytes() {
        return Quantity.getAmountInBytes(config.workDirSizeLimit()).longValue();
    }

    @Override
    public Map<String, String> interpreters() {
        return interpreters;
    }

    @Override
    public void suspect() {
        // Nothing to check first: a pod cannot be paused; the next request reattaches or replaces it.
    }

    @Override
    public RunnerConnection connection() {
        RunnerConnection current = connection;
        if (current != null && current.isOpen()) {
            return current;
        }
        return reconnect();
    }

    /**
     * Whether the pod still exists and its runner answers a ping: a pod deleted with grace period 0
     * is gone from the API at once while its runner may answer for seconds more.
     */
    @Override
    public boolean answers() {
        RunnerConnection current = connection;
        try {
            Pod pod = Optional.ofNullable(cached.apply(namespace + "/" + name)).orElseGet(() -> get(name));
            return pod != null && runnerRunning(pod) && current != null && current.isOpen()
                    && current.ping(HANDSHAKE_MILLIS);
        } catch (KubernetesClientException e) {
            LOG.debug("cannot check pod {}: {}", name, e.toString());
            return false;
        }
    }

    private synchronized RunnerConnection reconnect() {
        if (closed) {
            throw new IllegalStateException("pod " + name + " was deleted: the executor is stopped");
        }
        RunnerConnection current = connection;
        if (current != null && current.isOpen()) {
            return current;
        }
        if (current != null && current.failure() instanceof RunnerConnection.ProtocolException broken) {
            throw new CodeExecutorException(Reason.UNTRUSTED_PEER, "the runner in pod " + name + " broke the protocol ("
                    + broken.getMessage() + "); this executor serves no more: stop it and start another");
        }
        try {
            Pod pod = get(name);
            if (pod != null && runnerRunning(pod)) {
                try {
                    connection = handshake(false);
                    return connection;
                } catch (RunnerConnection.ProtocolException e) {
                    throw new CodeExecutorException(Reason.UNTRUSTED_PEER, "the runner in pod " + name
                            + " does not answer as it should: " + e.getMessage(), e);
                } catch (IOException e) {
                    LOG.warn("cannot attach to pod {} again ({}); replacing it", name, e.getMessage());
                }
            } else {
                LOG.warn("pod {} {}; creating a new pod", name, pod == null ? "was deleted" : describe(pod));
            }
            delete(name);
            createAndConnect();
            return connection;
        } catch (KubernetesClientException e) {
            throw unreachable(e);
        }
    }

    private void createAndConnect() {
        String podName = config.podNamePrefix() + HexFormat.of().formatHex(randomBytes());
        Pod spec = PodTemplate.build(config, podName, namespace, kind);
        STARTING.put(podName, this);
        try {
            client.pods().inNamespace(namespace).resource(spec).create();
        } catch (KubernetesClientException e) {
            STARTING.remove(podName);
            if (notAnswered(e)) {
                throw unreachable(e);
            }
            throw new CodeExecutorException(Reason.START_FAILED, "the cluster refused to create pod " + podName
                    + " in namespace " + namespace + ": " + message(e), e);
        }
        name = podName;
        secret = RunnerSecret.generate();
        try {
            awaitRunning(System.nanoTime() + config.startTimeout().toNanos());
            connection = handshake(true);
            MirroredWorkDir.copyIn(workDir, connection, copyBytes(), "pod " + podName, config.startTimeout());
        } catch (RuntimeException | IOException e) {
            String why = e instanceof CodeExecutorException ? e.getMessage()
                    : endedBeforeAnswering().orElse("its runner did not answer: " + e.getMessage());
            RunnerConnection current = connection;
            if (current != null) {
                current.close();
            }
            delete(podName);
            if (e instanceof CodeExecutorException started && started.reason() != Reason.START_FAILED) {
                throw started;
            }
            throw new CodeExecutorException(Reason.START_FAILED, why, e);
        } finally {
            STARTING.remove(podName);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[5];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** Waits until the runner container runs; throws with the cluster's reason when it cannot. */
    private void awaitRunning(long deadline) {
        long pause = 20;
        long nextSandboxCheck = System.nanoTime();
        while (true) {
            Pod pod = get(name);
            if (pod == null) {
                throw new CodeExecutorException(Reason.START_FAILED, "pod " + name + " was deleted while it started");
            }
            if (runnerRunning(pod)) {
                return;
            }
            Optional<ContainerStatus> status = runnerStatus(pod);
            ContainerStateWaiting waiting = status.map(s -> s.getState().getWaiting()).orElse(null);
            if (waiting != null && FATAL_WAITING.contains(waiting.getReason())) {
                Reason reason = waiting.getReason().contains("Image") ? Reason.IMAGE_UNAVAILABLE : Reason.START_FAILED;
                throw new CodeExecutorException(reason, "pod " + name + " cannot start: " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()) + events());
            }
            ContainerStateTerminated ended = status.map(s -> s.getState().getTerminated()).orElse(null);
            if (ended != null || "Failed".equals(pod.getStatus().getPhase()) || "Succeeded".equals(pod.getStatus().getPhase())) {
                throw new CodeExecutorException(Reason.START_FAILED, "the runner in pod " + name + " ended before it answered ("
                        + describe(pod) + ")" + logTail());
            }
            if (config.runtimeClassName().isPresent() && pod.getSpec().getNodeName() != null
                    && System.nanoTime() - nextSandboxCheck >= 0) {
                missingRuntime().ifPresent(why -> {
                    throw new CodeExecutorException(Reason.START_FAILED, "pod " + name + " cannot start: its node has no runtime for"
                            + " RuntimeClass " + config.runtimeClassName().get() + " (" + why + ")");
                });
                nextSandboxCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            if (System.nanoTime() > deadline) {
                throw new CodeExecutorException(Reason.START_FAILED, "pod " + name + " did not start within "
                        + config.startTimeout().toSeconds() + " s (" + describe(pod) + ")" + events());
            }
            sleep(pause);
            pause = Math.min(pause * 2, 250);
        }
    }

    /**
     * When the attach or the handshake failed because the runner was ending (an init command that
     * failed at once): why, with its output. The pod's status may lag the end by a moment.
     */
    private Optional<String> endedBeforeAnswering() {
        try {
            Pod pod = settled(RunnerPod::runnerTerminated);
            return pod != null && runnerTerminated(pod)
                    ? Optional.of("the runner in pod " + name + " ended before it answered (" + describe(pod) + ")" + logTail())
                    : Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    /** Attaches, sends the secret to a new runner, proves it both ways and learns the interpreters. */
    private RunnerConnection handshake(boolean first) throws IOException {
        PodAttachStream stream = PodAttachStream.attach(client, namespace, name);
        RunnerConnection.Probed opened;
        try {
            if (first) {
                stream.write(java.nio.ByteBuffer.wrap(secret.firstLine()));
            }
            opened = RunnerConnection.openProbed(stream, secret, !first, HANDSHAKE_MILLIS, ResidentRunner.TIMER, name);
        } catch (IOException e) {
            stream.close();
            String stderr = stream.stderrTail();
            throw stderr.isEmpty() ? e : new IOException(e.getMessage() + "; the runner wrote: " + stderr, e);
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        interpreters = opened.interpreters();
        return opened.connection();
    }

    @Override
    public String describeLoss() {
        try {
            Pod pod = settled(candidate -> !runnerRunning(candidate));
            if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
                return "pod " + name + " was deleted";
            }
            return runnerRunning(pod) ? "the attach stream of pod " + name + " ended" : "pod " + name + " " + describe(pod);
        } catch (KubernetesClientException e) {
            return "the Kubernetes API does not answer (" + message(e) + ")";
        }
    }

    /**
     * The pod, looked up every 50 ms until {@code done} holds for it, it is gone (null), or
     * {@value #SETTLE_MILLIS} ms have passed: its status may lag what happened to it.
     */
    private Pod settled(java.util.function.Predicate<Pod> done) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
        Pod pod = get(name);
        while (pod != null && !done.test(pod) && System.nanoTime() < deadline) {
            sleep(50);
            pod = get(name);
        }
        return pod;
    }

    private static boolean runnerTerminated(Pod pod) {
        return runnerStatus(pod).map(s -> s.getState() != null && s.getState().getTerminated() != null).orElse(false);
    }

    private Pod get(String podName) {
        return client.pods().inNamespace(namespace).withName(podName).get();
    }

    private static Optional<ContainerStatus> runnerStatus(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(s -> s.getContainerStatuses()).orElse(List.of()).stream()
                .filter(s -> PodTemplate.CONTAINER.equals(s.getName())).findFirst();
    }

    private static boolean runnerRunning(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null
                && runnerStatus(pod).map(s -> s.getState() != null && s.getState().getRunning() != null).orElse(false);
    }

    /** The pod's state in words: evicted, OOM-killed, ended with a code, pending and why. */
    static String describe(Pod pod) {
        var status = pod.getStatus();
        if (status == null) {
            return "has no status yet";
        }
        if ("Evicted".equals(status.getReason())) {
            return "was evicted: " + status.getMessage();
        }
        Optional<ContainerStatus> runner = runnerStatus(pod);
        ContainerStateTerminated ended = runner.map(s -> s.getState().getTerminated()).orElse(null);
        if (ended != null) {
            return "ended: its runner exited with code " + ended.getExitCode()
                    + (ended.getReason() == null ? "" : " (" + ended.getReason() + ")");
        }
        ContainerStateWaiting waiting = runner.map(s -> s.getState().getWaiting()).orElse(null);
        if (waiting != null) {
            return "is waiting: " + waiting.getReason() + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage());
        }
        String conditions = Optional.ofNullable(status.getConditions()).orElse(List.of()).stream()
                .filter(c -> "False".equals(c.getStatus()) && c.getMessage() != null)
                .map(c -> c.getType() + ": " + c.getMessage()).collect(Collectors.joining("; "));
        return "is " + status.getPhase() + (conditions.isEmpty() ? "" : " (" + conditions + ")");
    }

    /**
     * The kubelet's message when the node's container runtime lacks the RuntimeClass's handler: it
     * retries the sandbox forever, so no wait cures it (containerd: "no runtime for", CRI-O:
     * "RuntimeHandler ... not supported").
     */
    private Optional<String> missingRuntime() {
        return podEvents().stream()
                .filter(e -> "FailedCreatePodSandBox".equals(e.getReason()) && e.getMessage() != null)
                .map(Event::getMessage)
                .filter(message -> message.contains("no runtime for") || message.contains("RuntimeHandler"))
                .findFirst();
    }

    /** The pod's events, oldest first, for a message: what the scheduler and the kubelet said. */
    private String events() {
        Set<String> messages = podEvents().stream()
                .sorted(Comparator.comparing(e -> Optional.ofNullable(e.getLastTimestamp()).orElse("")))
                .map(e -> e.getReason() + ": " + e.getMessage())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return messages.isEmpty() ? "" : "; events: " + String.join("; ", messages);
    }

    /** The pod's events as the API server has them now; none when it cannot be asked. */
    private List<Event> podEvents() {
        try {
            return client.v1().events().inNamespace(namespace).withField("involvedObject.name", name).list().getItems();
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }

    /** The last lines of the runner container's log (its stderr before any frame: the init command's output). */
    private String logTail() {
        try {
            String log = client.pods().inNamespace(namespace).withName(name).inContainer(PodTemplate.CONTAINER)
                    .tailingLines(20).getLog();
            return log == null || log.isBlank() ? "" : "; its output:\n" + log.strip();
        } catch (KubernetesClientException e) {
            return "";
        }
    }

    private CodeExecutorException unreachable(KubernetesClientException e) {
        return new CodeExecutorException(Reason.ENGINE_UNREACHABLE, "the Kubernetes API at " + client.getMasterUrl()
                + (notAnswered(e) ? " is not reachable: " : " does not answer as expected: ") + message(e), e);
    }

    /** Whether no answer came at all (a connection that failed), rather than an API error. */
    public static boolean notAnswered(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getCode() != null && e.getStatus().getCode() > 0) {
            return false;
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    public static String message(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        if (root == e) {
            return String.valueOf(e.getMessage());
        }
        // fabric8's own text ("An error has occurred.") says nothing: the root cause does.
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** Deletes pod {@code podName} at once and waits until it is gone; does not throw. */
    private void delete(String podName) {
        try {
            client.pods().inNamespace(namespace).withName(podName).withGracePeriod(0).delete();
            client.pods().inNamespace(namespace).withName(podName)
                    .waitUntilCondition(p -> p == null, DELETE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.warn("could not delete pod {} in namespace {}: {}", podName, namespace, e.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        RunnerConnection current = connection;
        if (current != null) {
            current.close();
        }
        try {
            delete(name);
        } finally {
            if (ownsWorkDir) {
                TempDirs.deleteRecursively(workDir);
            }
            cluster.close();
            closeActions.run();
        }
    }

    /**
     * Lets {@link #answers()} look the pod up in a watch's cache ({@code namespace/name} to the pod,
     * or null when the cache does not have it) instead of a GET of the API server, which can take
     * tens of milliseconds: a pool's health check before each hand-over.
     */
    public void useCache(java.util.function.Function<String, Pod> cache) {
        this.cached = cache;
    }

    @Override
    public void whenClosed(Runnable action) {
        closeActions.add(action);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(Reason.INTERRUPTED, "interrupted while waiting for a pod");
        }
    }
}
