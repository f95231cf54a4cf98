package dev.codebox.cli;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.docker.DockerCommandLineExecutor;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.EngineEndpoint;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.local.SandboxPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code codebox doctor}: what works on this machine. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Reports what works here: the local executor and its sandbox, the Docker engine (where, how it"
                + " was found, its version), whether it shares the work dir with this machine, and which transport and work"
                + " dir mode AUTO uses there, and whether a Kubernetes cluster is configured and answers.",
                "Exit status 0; the report says what does not work and why."})
final class DoctorCommand implements Callable<Integer> {

    /** How long the Kubernetes check waits for a connection and for the answer to /version. */
    private static final int KUBERNETES_TIMEOUT_MILLIS = 3000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--docker-host", paramLabel = "URL",
            description = "The Docker engine to check (default: found as -e docker finds it).")
    String dockerHost;

    @CommandLine.Option(names = "--image", paramLabel = "IMG",
            description = "The image for the work-dir check (default: $CODEBOX_DOCKER_IMAGE, else "
                    + DockerExecutorConfig.DEFAULT_IMAGE + ").")
    String image;

    @CommandLine.Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig of the cluster to check (default: found as -e kubernetes finds it).")
    java.nio.file.Path kubeconfig;

    @CommandLine.Option(names = "--kube-context", paramLabel = "NAME",
            description = "The context of the kubeconfig to check (default: its current context).")
    String kubeContext;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("local:   " + check(LocalExecutorConfig.builder().build()));
        out.println("sandbox: " + check(LocalExecutorConfig.builder().sandbox(SandboxPolicy.defaults()).build()));
        out.println("docker:  " + docker());
        out.println("work dir shared with the engine: " + sharedWorkDir());
        out.println("AUTO uses: " + autoLayout());
        out.println("kubernetes: " + kubernetes());
        out.flush();
        return 0;
    }

    /**
     * Starts a Docker executor with a bind-mounted temporary work dir on the attach stream (which
     * reaches any engine): its start checks that the container sees the dir.
     */
    private String sharedWorkDir() {
        String chosen = chosenImage();
        try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(DockerExecutorConfig.builder()
                .image(chosen).dockerHost(dockerHost).transport(RunnerTransport.ATTACH).workDirMode(WorkDirMode.BIND).build())) {
            executor.start();
            return "yes (a container of " + chosen + " saw the file written into " + executor.workDir() + ")";
        } catch (CodeExecutorException e) {
            return (e.reason() == CodeExecutorException.Reason.WORK_DIR ? "no: " : "unknown: ") + e.getMessage();
        }
    }

    /** Starts a Docker executor with the AUTO settings and runs a block: what -e docker will use. */
    private String autoLayout() {
        try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(DockerExecutorConfig.builder()
                .image(chosenImage()).dockerHost(dockerHost).build())) {
            CodeResult result = executor.execute(CodeBlock.python("import platform\nprint(platform.python_version())"));
            return "transport " + executor.transport() + ", work dir " + executor.workDirMode()
                    + (result.succeeded() ? " (a block ran: python " + result.output().strip() + ")"
                            : " (a block failed with exit code " + result.exitCode() + ": " + result.output().strip() + ")");
        } catch (CodeExecutorException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    private String chosenImage() {
        return image != null ? image : Optional.ofNullable(System.getenv("CODEBOX_DOCKER_IMAGE"))
                .filter(value -> !value.isBlank()).orElse(DockerExecutorConfig.DEFAULT_IMAGE);
    }

    private static String check(LocalExecutorConfig config) {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            CodeResult result = executor.execute(CodeBlock.python("import sys\nprint(sys.executable, sys.version.split()[0])"));
            return result.succeeded() ? "works (python: " + result.output().strip() + ")"
                    : "does not run python (exit " + result.exitCode() + "): " + result.output().strip();
        } catch (CodeExecutorException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    /**
     * Whether a cluster is configured as -e kubernetes finds it, and its version from {@code /version}
     * (a few seconds at most, no retry).
     */
    private String kubernetes() {
        try {
            if (kubeconfig == null && System.getenv("KUBERNETES_SERVICE_HOST") == null
                    && Config.getKubeconfigFilenames().stream().map(java.io.File::new).noneMatch(java.io.File::isFile)) {
                return "unavailable: no kubeconfig ($KUBECONFIG, else ~/.kube/config) and not in a pod; give --kubeconfig";
            }
            Config config = KubernetesCommand.clientConfig(kubeconfig, kubeContext);
            config.setConnectionTimeout(KUBERNETES_TIMEOUT_MILLIS);
            config.setRequestTimeout(KUBERNETES_TIMEOUT_MILLIS);
            config.setRequestRetryBackoffLimit(0);
            String where = " (" + (config.getFile() == null ? "in-cluster service account" : "kubeconfig " + config.getFile())
                    + (config.getCurrentContext() == null ? "" : ", context " + config.getCurrentContext().getName())
                    + ", namespace " + KubernetesCommand.namespace(null, config) + ")";
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                return "server " + client.getKubernetesVersion().getGitVersion() + " at " + config.getMasterUrl() + where;
            } catch (KubernetesClientException e) {
                return "unavailable: " + KubernetesCommand.unreachable(config, e).getMessage() + where;
            }
        } catch (CodeExecutorException e) {
            return "unavailable: " + e.getMessage();
        } catch (RuntimeException e) {
            return "unavailable: " + e;
        }
    }

    private String docker() {
        EngineEndpoint engine = EngineEndpoint.discover(Optional.ofNullable(dockerHost));
        try (DockerClient client = DockerEngine.connect(engine)) {
            Version version = client.versionCmd().exec();
            return "engine " + version.getVersion() + " (API " + version.getApiVersion() + ") at " + engine.describe();
        } catch (CodeExecutorException e) {
            return "unavailable: " + e.getMessage();
        } catch (Exception e) {
            return "unavailable: the engine at " + engine.describe() + " does not answer (" + e.getMessage() + ")";
        }
    }
}
