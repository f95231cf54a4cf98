package dev.codebox.kubernetes;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.functions.FunctionModule;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Immutable configuration of a {@link KubernetesCommandLineExecutor}. Build it with
 * {@link #builder()}; {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code image}: {@value #DEFAULT_IMAGE}; {@code imagePullPolicy}: {@code IfNotPresent};
 *       {@code imagePullSecrets}: none;
 *   <li>{@code namespace}: none, so the namespace of the kubeconfig's current context, else
 *       {@code default}; {@code kubeconfig}: none, so the client configures itself as kubectl does
 *       ({@code KUBECONFIG}, {@code ~/.kube/config}, else the pod's in-cluster service account);
 *       {@code context}: none, the current context;
 *   <li>{@code podNamePrefix}: {@value #DEFAULT_POD_NAME_PREFIX} (a random suffix follows);
 *       {@code labels} and {@code annotations}: none besides codebox's own ({@link KubernetesPods});
 *   <li>{@code timeout}: 60 seconds per block; {@code maxOutputBytes}: 1 MiB per execution;
 *       {@code functions}: none; {@code initCommand}: none (a shell command run once in
 *       {@value #POD_WORK_DIR} before the runner starts; when it fails, start fails with its output);
 *       {@code environment}: none; {@code deleteCodeFiles}: {@code false};
 *       {@code pythonForkServer}: {@code true};
 *   <li>{@code startTimeout}: 120 seconds for the pod to be scheduled, pull its image and have its
 *       runner answer; a pod that cannot start fails {@code start()} with the cluster's reason (its
 *       events) and is deleted;
 *   <li>{@code workDir}: none, so a temporary host directory that mirrors {@value #POD_WORK_DIR}:
 *       code files and the output files of each execution are copied into it;
 *   <li>{@code stopPodOnExit}: {@code true}, a JVM shutdown hook deletes the pod of an executor that
 *       was not stopped;
 *   <li>{@code podCustomizer}: none; the escape hatch that edits the pod last, before it is created.
 * </ul>
 *
 * <p>Resources and placement: {@code cpuLimit} 1 CPU with {@code cpuRequest} 250m (so that a node
 * packs pods by what they use rather than by their peak), {@code memoryLimit} 1 GiB with
 * {@code memoryRequest} equal to it unless given (memory is not compressible: a pod gets what it
 * may use), no
 * ephemeral-storage request or limit, {@code nodeSelector} and {@code tolerations} none,
 * {@code runtimeClassName} none (give {@code gvisor} or {@code kata} where the cluster has them; a
 * class the cluster does not know, or whose handler the node's runtime lacks, fails {@code start()}
 * at once with the API server's or the kubelet's message).
 *
 * <p>Hardening, on by default (each can be changed): {@code runAsUser} 1000 and {@code runAsGroup}
 * 1000 with {@code runAsNonRoot}; {@code allowPrivilegeEscalation} false; every capability
 * dropped; {@code seccompProfile} {@code RuntimeDefault}; {@code readOnlyRootFilesystem} true, with
 * {@value #POD_WORK_DIR} an emptyDir of {@code workDirSizeLimit} (1 GiB) and {@code /tmp} a
 * memory-backed emptyDir of {@code tmpSizeLimit} (512 MiB, counted against the memory limit);
 * {@code serviceAccount} none and {@code automountServiceAccountToken} false;
 * {@code enableServiceLinks} false. A pod has network unless a NetworkPolicy denies it: see
 * docs/kubernetes.md for one that denies all egress.
 */
public final class KubernetesExecutorConfig {

    /** The default image, as the Docker executor's. */
    public static final String DEFAULT_IMAGE = "python:3-slim";
    /** The default prefix of pod names. */
    public static final String DEFAULT_POD_NAME_PREFIX = "codebox-";
    /** The pod's working directory, where code files are written. */
    public static final String POD_WORK_DIR = "/workspace";
    /** The default time a pod may take to come up: 120 seconds. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);
    /** The default user and group id: 1000. */
    public static final long DEFAULT_USER_ID = 1000;

    private final Builder b;

    private KubernetesExecutorConfig(Builder builder) {
        this.b = builder.copy();
    }

    /** The configuration with every default. */
    public static KubernetesExecutorConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return b.copy();
    }

    public String image() { return b.image; }
    public String imagePullPolicy() { return b.imagePullPolicy; }
    public List<String> imagePullSecrets() { return b.imagePullSecrets; }
    public Optional<String> namespace() { return Optional.ofNullable(b.namespace); }
    public Optional<Path> kubeconfig() { return Optional.ofNullable(b.kubeconfig); }
    public Optional<String> context() { return Optional.ofNullable(b.context); }
    public String podNamePrefix() { return b.podNamePrefix; }
    public Map<String, String> labels() { return b.labels; }
    public Map<String, String> annotations() { return b.annotations; }
    public Duration timeout() { return b.timeout(); }
    public int maxOutputBytes() { return b.maxOutputBytes(); }
    public FunctionModule functions() { return b.functions(); }
    public Optional<String> initCommand() { return Optional.ofNullable(b.initCommand); }
    public Map<String, String> environment() { return b.environment; }
    public boolean deleteCodeFiles() { return b.deleteCodeFiles; }
    public boolean pythonForkServer() { return b.pythonForkServer; }
    public Duration startTimeout() { return b.startTimeout; }
    public Optional<Path> workDir() { return Optional.ofNullable(b.workDir); }
    public boolean stopPodOnExit() { return b.stopPodOnExit; }
    public UnaryOperator<Pod> podCustomizer() { return b.podCustomizer; }
    public Quantity cpuLimit() { return b.cpuLimit; }
    /** The CPU request; never more than the limit (a smaller limit lowers the default request with it). */
    public Quantity cpuRequest() {
        if (b.cpuRequest != null && b.cpuLimit != null
                && Quantity.getAmountInBytes(b.cpuRequest).compareTo(Quantity.getAmountInBytes(b.cpuLimit)) > 0) {
            return b.cpuLimit;
        }
        return b.cpuRequest;
    }
    public Quantity memoryLimit() { return b.memoryLimit; }
    public Quantity memoryRequest() { return b.memoryRequest == null ? b.memoryLimit : b.memoryRequest; }
    public Optional<Quantity> ephemeralStorageLimit() { return Optional.ofNullable(b.ephemeralStorageLimit); }
    public Optional<Quantity> ephemeralStorageRequest() { return Optional.ofNullable(b.ephemeralStorageRequest); }
    public Map<String, String> nodeSelector() { return b.nodeSelector; }
    public List<Toleration> tolerations() { return b.tolerations; }
    public Optional<String> runtimeClassName() { return Optional.ofNullable(b.runtimeClassName); }
    public Optional<String> serviceAccount() { return Optional.ofNullable(b.serviceAccount); }
    public boolean automountServiceAccountToken() { return b.automountServiceAccountToken; }
    public long runAsUser() { return b.runAsUser; }
    public long runAsGroup() { return b.runAsGroup; }
    public boolean allowPrivilegeEscalation() { return b.allowPrivilegeEscalation; }
    public boolean dropCapabilities() { return b.dropCapabilities; }
    public String seccompProfile() { return b.seccompProfile; }
    public boolean readOnlyRootFilesystem() { return b.readOnlyRootFilesystem; }
    public Quantity workDirSizeLimit() { return b.workDirSizeLimit; }
    public Quantity tmpSizeLimit() { return b.tmpSizeLimit; }

    /** The memory limit in bytes, for messages; 0 when unlimited. */
    public long memoryBytes() {
        return b.memoryLimit == null ? 0 : Quantity.getAmountInBytes(b.memoryLimit).longValueExact();
    }

    @Override
    public String toString() {
        return "KubernetesExecutorConfig[image=" + b.image + ", namespace=" + b.namespace + ", kubeconfig=" + b.kubeconfig
                + ", context=" + b.context + ", timeout=" + b.timeout() + ", memoryLimit=" + b.memoryLimit
                + ", cpuLimit=" + b.cpuLimit + ", runtimeClassName=" + b.runtimeClassName + ", runAsUser=" + b.runAsUser
                + ", serviceAccount=" + b.serviceAccount + ", environment=" + b.environment.keySet() + "]";
    }

    /** Builds a {@link KubernetesExecutorConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends ExecutorConfigBuilder<Builder> {
        private String image = DEFAULT_IMAGE;
        private String imagePullPolicy = "IfNotPresent";
        private List<String> imagePullSecrets = List.of();
        private String namespace;
        private Path kubeconfig;
        private String context;
        private String podNamePrefix = DEFAULT_POD_NAME_PREFIX;
        private Map<String, String> labels = Map.of();
        private Map<String, String> annotations = Map.of();
        private String initCommand;
        private Map<String, String> environment = Map.of();
        private boolean deleteCodeFiles;
        private boolean pythonForkServer = true;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Path workDir;
        private boolean stopPodOnExit = true;
        private UnaryOperator<Pod> podCustomizer = UnaryOperator.identity();
        private Quantity cpuLimit = new Quantity("1");
        private Quantity cpuRequest = new Quantity("250m");
        private Quantity memoryLimit = new Quantity("1Gi");
        private Quantity memoryRequest;
        private Quantity ephemeralStorageLimit;
        private Quantity ephemeralStorageRequest;
        private Map<String, String> nodeSelector = Map.of();
        private List<Toleration> tolerations = List.of();
        private String runtimeClassName;
        private String serviceAccount;
        private boolean automountServiceAccountToken;
        private long runAsUser = DEFAULT_USER_ID;
        private long runAsGroup = DEFAULT_USER_ID;
        private boolean allowPrivilegeEscalation;
        private boolean dropCapabilities = true;
        private String seccompProfile = "RuntimeDefault";
        private boolean readOnlyRootFilesystem = true;
        private Quantity workDirSizeLimit = new Quantity("1Gi");
        private Quantity tmpSizeLimit = new Quantity("512Mi");

        private Builder() {
        }

        private Duration timeout() { return timeout; }
        private int maxOutputBytes() { return maxOutputBytes; }
        private FunctionModule functions() { return functions; }

        private Builder copy() {
            Builder c = new Builder();
            c.timeout = timeout;
            c.maxOutputBytes = maxOutputBytes;
            c.functions = functions;
            c.image = image;
            c.imagePullPolicy = imagePullPolicy;
            c.imagePullSecrets = List.copyOf(imagePullSecrets);
            c.namespace = namespace;
            c.kubeconfig = kubeconfig;
            c.context = context;
            c.podNamePrefix = podNamePrefix;
            c.labels = Map.copyOf(labels);
            c.annotations = Map.copyOf(annotations);
            c.initCommand = initCommand;
            c.environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
            c.deleteCodeFiles = deleteCodeFiles;
            c.pythonForkServer = pythonForkServer;
            c.startTimeout = startTimeout;
            c.workDir = workDir;
            c.stopPodOnExit = stopPodOnExit;
            c.podCustomizer = podCustomizer;
            c.cpuLimit = cpuLimit;
            c.cpuRequest = cpuRequest;
            c.memoryLimit = memoryLimit;
            c.memoryRequest = memoryRequest;
            c.ephemeralStorageLimit = ephemeralStorageLimit;
            c.ephemeralStorageRequest = ephemeralStorageRequest;
            c.nodeSelector = Map.copyOf(nodeSelector);
            c.tolerations = List.copyOf(tolerations);
            c.runtimeClassName = runtimeClassName;
            c.serviceAccount = serviceAccount;
            c.automountServiceAccountToken = automountServiceAccountToken;
            c.runAsUser = runAsUser;
            c.runAsGroup = runAsGroup;
            c.allowPrivilegeEscalation = allowPrivilegeEscalation;
            c.dropCapabilities = dropCapabilities;
            c.seccompProfile = seccompProfile;
            c.readOnlyRootFilesystem = readOnlyRootFilesystem;
            c.workDirSizeLimit = workDirSizeLimit;
            c.tmpSizeLimit = tmpSizeLimit;
            return c;
        }

        public Builder image(String image) { this.image = Objects.requireNonNull(image, "image"); return this; }
        /** {@code Always}, {@code IfNotPresent} or {@code Never}. */
        public Builder imagePullPolicy(String policy) { this.imagePullPolicy = Objects.requireNonNull(policy, "policy"); return this; }
        /** Names of secrets of the namespace that hold registry credentials. */
        public Builder imagePullSecrets(List<String> names) { this.imagePullSecrets = List.copyOf(names); return this; }
        public Builder namespace(String namespace) { this.namespace = namespace; return this; }
        public Builder kubeconfig(Path kubeconfig) { this.kubeconfig = kubeconfig; return this; }
        public Builder context(String context) { this.context = context; return this; }
        public Builder podNamePrefix(String prefix) { this.podNamePrefix = Objects.requireNonNull(prefix, "prefix"); return this; }
        public Builder labels(Map<String, String> labels) { this.labels = Map.copyOf(labels); return this; }
        public Builder annotations(Map<String, String> annotations) { this.annotations = Map.copyOf(annotations); return this; }
        public Builder initCommand(String initCommand) { this.initCommand = initCommand; return this; }
        public Builder environment(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(environment);
            copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            this.environment = copy;
            return this;
        }
        public Builder environment(Map<String, String> variables) { this.environment = new LinkedHashMap<>(variables); return this; }
        public Builder deleteCodeFiles(boolean delete) { this.deleteCodeFiles = delete; return this; }
        public Builder pythonForkServer(boolean forkServer) { this.pythonForkServer = forkServer; return this; }
        public Builder startTimeout(Duration startTimeout) { this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout"); return this; }
        public Builder workDir(Path workDir) { this.workDir = workDir; return this; }
        public Builder stopPodOnExit(boolean stop) { this.stopPodOnExit = stop; return this; }
        /** Edits the pod last, before it is created; must return the pod to create. */
        public Builder podCustomizer(UnaryOperator<Pod> customizer) { this.podCustomizer = Objects.requireNonNull(customizer, "customizer"); return this; }
        /** A quantity such as {@code 500m} or {@code 2}; {@code null} for no limit. */
        public Builder cpuLimit(String quantity) { this.cpuLimit = quantity(quantity); return this; }
        public Builder cpuRequest(String quantity) { this.cpuRequest = quantity(quantity); return this; }
        /** A quantity such as {@code 256Mi} or {@code 2Gi}; {@code null} for no limit. */
        public Builder memoryLimit(String quantity) { this.memoryLimit = quantity(quantity); return this; }
        public Builder memoryRequest(String quantity) { this.memoryRequest = quantity(quantity); return this; }
        public Builder ephemeralStorageLimit(String quantity) { this.ephemeralStorageLimit = quantity(quantity); return this; }
        public Builder ephemeralStorageRequest(String quantity) { this.ephemeralStorageRequest = quantity(quantity); return this; }
        public Builder nodeSelector(Map<String, String> selector) { this.nodeSelector = Map.copyOf(selector); return this; }
        public Builder tolerations(List<Toleration> tolerations) { this.tolerations = List.copyOf(tolerations); return this; }
        public Builder runtimeClassName(String name) { this.runtimeClassName = name; return this; }
        public Builder serviceAccount(String name) { this.serviceAccount = name; return this; }
        public Builder automountServiceAccountToken(boolean mount) { this.automountServiceAccountToken = mount; return this; }
        /** A numeric user id other than 0 keeps {@code runAsNonRoot}; 0 runs as root and drops it. */
        public Builder runAsUser(long uid) { this.runAsUser = uid; return this; }
        public Builder runAsGroup(long gid) { this.runAsGroup = gid; return this; }
        public Builder allowPrivilegeEscalation(boolean allow) { this.allowPrivilegeEscalation = allow; return this; }
        public Builder dropCapabilities(boolean drop) { this.dropCapabilities = drop; return this; }
        /** {@code RuntimeDefault}, {@code Unconfined} or {@code Localhost/PROFILE}. */
        public Builder seccompProfile(String profile) { this.seccompProfile = Objects.requireNonNull(profile, "profile"); return this; }
        public Builder readOnlyRootFilesystem(boolean readOnly) { this.readOnlyRootFilesystem = readOnly; return this; }
        public Builder workDirSizeLimit(String quantity) { this.workDirSizeLimit = Objects.requireNonNull(quantity(quantity), "workDirSizeLimit"); return this; }
        public Builder tmpSizeLimit(String quantity) { this.tmpSizeLimit = Objects.requireNonNull(quantity(quantity), "tmpSizeLimit"); return this; }

        private static Quantity quantity(String text) {
            if (text == null) {
                return null;
            }
            try {
                Quantity quantity = new Quantity(text);
                Quantity.getAmountInBytes(quantity);
                return quantity;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a Kubernetes quantity: " + text, e);
            }
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public KubernetesExecutorConfig build() {
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("timeout must be at least 1 second: " + timeout);
            }
            if (maxOutputBytes < MIN_MAX_OUTPUT_BYTES) {
                throw new IllegalArgumentException("maxOutputBytes must be at least " + MIN_MAX_OUTPUT_BYTES + ": " + maxOutputBytes);
            }
            if (startTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("startTimeout must be at least 1 second: " + startTimeout);
            }
            if (!podNamePrefix.matches("[a-z0-9]([-a-z0-9]{0,40})?")) {
                throw new IllegalArgumentException("podNamePrefix must be lower-case letters, digits and '-', at most 41: " + podNamePrefix);
            }
            if (!List.of("Always", "IfNotPresent", "Never").contains(imagePullPolicy)) {
                throw new IllegalArgumentException("imagePullPolicy must be Always, IfNotPresent or Never: " + imagePullPolicy);
            }
            if (runAsUser < 0 || runAsGroup < 0) {
                throw new IllegalArgumentException("runAsUser and runAsGroup must be ids of at least 0");
            }
            return new KubernetesExecutorConfig(this);
        }
    }
}
