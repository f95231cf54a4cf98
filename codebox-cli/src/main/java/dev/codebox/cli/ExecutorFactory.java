package dev.codebox.cli;

import dev.codebox.CodeExecutor;
import dev.codebox.functions.FunctionModule;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import java.nio.file.Path;
import java.util.Optional;

/** Creates the executor the options describe: what {@code exec}, {@code run} and {@code mcp} share. */
final class ExecutorFactory {

    private final CommonOptions common;
    private final DockerOptions docker;
    private final KubernetesOptions kubernetes;
    private final JupyterOptions jupyter;
    private final SandboxOptions sandbox;
    /** Whether a resident process pays for itself: a local executor starts none without. */
    private final boolean pythonServer;
    private final boolean forkServer;

    /**
     * @param pythonServer whether python blocks of local, Docker and Kubernetes executors may be
     *     started by a resident process, forked or (with --no-fork-server, locally) spawned
     */
    ExecutorFactory(ExecutorOptions options, boolean pythonServer) {
        this.common = options.common;
        this.docker = options.docker;
        this.kubernetes = options.kubernetes;
        this.jupyter = options.jupyter;
        this.sandbox = options.sandbox;
        this.pythonServer = pythonServer;
        this.forkServer = pythonServer && !common.noForkServer;
    }

    /**
     * A new executor, not started.
     *
     * @param dir where the code runs (and a kernel saves images), instead of --work-dir and --output-dir
     * @param kernel the Jupyter kernel, instead of --kernel
     * @throws UsageException for options that do not fit the executor
     */
    CodeExecutor create(ExecutorKind kind, FunctionModule module, Optional<Path> dir, Optional<String> kernel) {
        if (!kind.takesEnvironment() && !common.environment().isEmpty()) {
            throw new UsageException("--env is for -e local, -e docker and -e kubernetes; a kernel's environment comes from its kernelspec or server");
        }
        if (kind != ExecutorKind.LOCAL && sandbox.given()) {
            throw new UsageException("--sandbox and --scrub-env are for -e local; a container or pod is a sandbox of its own");
        }
        if (kind.isJupyter() && common.noForkServer) {
            throw new UsageException("--no-fork-server is for -e local, -e docker and -e kubernetes; a kernel runs every block in one process");
        }
        if (kernel.isPresent() && !kind.isJupyter()) {
            throw new UsageException("a kernel is for the jupyter and docker-jupyter executors, not " + kind.cliName());
        }
        switch (kind) {
            case LOCAL:
                LocalExecutorConfig.Builder config = LocalExecutorConfig.builder()
                        .timeout(common.timeout())
                        .maxOutputBytes(common.maxOutputBytes())
                        .functions(module)
                        .deleteCodeFiles(common.deleteCodeFiles())
                        .environment(common.environment())
                        .pythonServer(pythonServer)
                        .pythonForkServer(!common.noForkServer);
                dir.or(common::workDir).ifPresent(config::workDir);
                common.python().ifPresent(config::python);
                sandbox.applyTo(config);
                return new LocalCommandLineExecutor(config.build());
            case DOCKER:
                return docker.create(common, forkServer, module, dir);
            case KUBERNETES:
                return kubernetes.create(common, forkServer, docker, module, dir);
            case JUPYTER:
                return jupyter.local(common, module, dir, kernel);
            case DOCKER_JUPYTER:
                return jupyter.docker(common, docker, module, dir, kernel);
            default:
                throw new IllegalStateException("unhandled executor " + kind);
        }
    }
}
