package dev.codebox.kubernetes;

import dev.codebox.CodeExecutorException;
import dev.codebox.WorkDirCopies;
import dev.codebox.kubernetes.internal.Cluster;
import dev.codebox.kubernetes.internal.RunnerPod;
import dev.codebox.runner.internal.ResidentRunner;
import dev.codebox.spi.CommandLineExecutor;
import dev.codebox.spi.Runner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Runs code blocks in a Kubernetes pod: python, bash, sh and PowerShell blocks (those the image
 * has), with the timeout, output cap and conventions of {@link CommandLineExecutor}, hardened by
 * default (see {@link KubernetesExecutorConfig}).
 *
 * <p><b>Lifecycle.</b> {@link #start()} creates one pod whose main process is codebox's runner and
 * waits until it answers over the pod's attach stream (one WebSocket through the API server; no exec
 * per block). A pod that cannot start (image missing, unschedulable, refused by a quota, an init
 * command that fails) fails {@code start()} within {@code startTimeout} with the cluster's reason and
 * is deleted. {@link #stop()} deletes the pod with grace period 0 and waits until it is gone; a JVM
 * shutdown hook stops a started executor at exit (see {@code stopPodOnExit}). Pods carry
 * {@link KubernetesPods codebox's labels}; those left by a crashed program are deleted by
 * {@link KubernetesPods#prune} ({@code codebox kubernetes prune}).
 *
 * <p><b>How blocks run.</b> As in the Docker executor: the runner writes code files in the pod's
 * {@value KubernetesExecutorConfig#POD_WORK_DIR} (never through a path the code could redirect),
 * runs each block as the leader of a new session (or forks it from a warm interpreter), streams its
 * output and reports its exit code; concurrent executions run in parallel; a timeout or a
 * cancellation kills the block's whole session within a second, keeping its output so far; a block
 * killed for exceeding the memory limit ends with exit code 137 and a line saying so. The host work
 * dir ({@link #workDir()}) mirrors the pod's: code files, and the output files of each execution
 * copied out. {@link #copyIn} and {@link #copyOut} move other files.
 *
 * <p><b>Faults.</b> A lost attach stream is attached again while the pod lives. When the pod was
 * deleted or evicted, or its runner ended, a block running at that moment ends with exit code 1 and
 * a line saying what happened, and the next block gets a new pod (with the host mirror of the work
 * dir copied in). When that fails, or the runner broke the protocol, {@code execute} throws
 * {@link CodeExecutorException}.
 */
public final class KubernetesCommandLineExecutor extends CommandLineExecutor implements WorkDirCopies {

    private final KubernetesExecutorConfig config;
    private volatile RunnerPod pod;
    private volatile ResidentRunner runner;
    /** A pod started by a {@link KubernetesPool}, used by the first start instead of a new one. */
    private RunnerPod adopted;

    /** An executor with {@link KubernetesExecutorConfig#defaults()}. */
    public KubernetesCommandLineExecutor() {
        this(KubernetesExecutorConfig.defaults());
    }

    /** An executor with the given configuration; nothing happens until it starts. */
    public KubernetesCommandLineExecutor(KubernetesExecutorConfig config) {
        super(config.timeout(), config.maxOutputBytes(), config.deleteCodeFiles(), config.functions());
        this.config = Objects.requireNonNull(config, "config");
    }

    KubernetesCommandLineExecutor(KubernetesExecutorConfig config, RunnerPod adopted) {
        this(config);
        this.adopted = Objects.requireNonNull(adopted, "adopted");
    }

    /** This executor's configuration. */
    public KubernetesExecutorConfig config() {
        return config;
    }

    /**
     * The host work dir, which mirrors the pod's {@value KubernetesExecutorConfig#POD_WORK_DIR}.
     *
     * @throws IllegalStateException when the executor is not started
     */
    public Path workDir() {
        return startedWorkDir();
    }

    /**
     * The name of the executor's pod (a new one after the pod had to be replaced).
     *
     * @throws IllegalStateException when the executor is not started
     */
    public String podName() {
        return started().name();
    }

    /**
     * The namespace of the executor's pod.
     *
     * @throws IllegalStateException when the executor is not started
     */
    public String namespace() {
        return started().namespace();
    }

    /** True once started (a start in progress is waited for): the pod's work dir is always a copy of the host work dir. */
    @Override
    public boolean copiesWorkDir() {
        return isStarted() && pod != null; // isStarted() first: it waits for a start in progress, which sets pod
    }

    /**
     * Copies the host file {@code hostPath} into the pod's work dir: the runner writes it there
     * (never through a link code planted), replacing the file at once.
     *
     * @param podPath a path in {@value KubernetesExecutorConfig#POD_WORK_DIR}, absolute or relative to it
     * @throws IllegalArgumentException when {@code podPath} is not inside the work dir
     * @throws IOException when {@code hostPath} cannot be read, the name leads out of the work dir
     *     through a link, or the pod cannot be written
     * @throws IllegalStateException when the executor is not started
     */
    @Override
    public void copyIn(Path hostPath, String podPath) throws IOException {
        started();
        runner.copyIn(hostPath, podPath, KubernetesExecutorConfig.POD_WORK_DIR);
    }

    /**
     * Copies a regular file of the pod's work dir to {@code hostPath}: into a temporary file beside
     * it, then moved over it (a link at {@code hostPath} is replaced, never followed).
     *
     * @throws IllegalArgumentException when {@code podPath} is not inside the work dir
     * @throws java.nio.file.NoSuchFileException when it is not a regular file of the work dir
     * @throws IOException when copying fails
     * @throws IllegalStateException when the executor is not started
     */
    @Override
    public void copyOut(String podPath, Path hostPath, long maxBytes) throws IOException {
        started();
        runner.copyOut(podPath, hostPath, KubernetesExecutorConfig.POD_WORK_DIR, maxBytes);
    }

    /** The pod of the started executor (tests reach its connection through it). */
    RunnerPod pod() {
        return started();
    }

    private RunnerPod started() {
        RunnerPod current = pod;
        if (current == null || !isStarted()) {
            throw new IllegalStateException("executor is not started");
        }
        return current;
    }

    /**
     * @throws CodeExecutorException when the cluster is not reachable or the pod does not come up
     */
    @Override
    protected Runner openRunner() {
        RunnerPod started = adopted != null ? adopted : RunnerPod.start(Cluster.connect(config), config, KubernetesPods.KIND_EXECUTOR);
        adopted = null;
        pod = started;
        runner = new ResidentRunner(started, config.stopPodOnExit(), config.image(), config.memoryBytes());
        return runner;
    }

    @Override
    public String toString() {
        RunnerPod current = pod;
        return "KubernetesCommandLineExecutor[" + config.image() + (isStarted() && current != null ? ", " + current.name() : ", not started") + "]";
    }
}
