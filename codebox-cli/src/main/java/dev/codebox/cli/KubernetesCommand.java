package dev.codebox.cli;

import dev.codebox.CodeExecutorException;
import dev.codebox.kubernetes.KubernetesPods;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code codebox kubernetes}: housekeeping of codebox's pods. */
@Command(name = "kubernetes", mixinStandardHelpOptions = true, description = "Housekeeping of codebox's Kubernetes pods.",
        subcommands = KubernetesCommand.Prune.class)
final class KubernetesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: prune");
    }

    /** {@code codebox kubernetes prune}: deletes the pods of codebox programs that are gone. */
    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Deletes the pods left in the namespace by codebox programs of this host that are no longer"
                    + " running (crashed or killed), and prints their names. Pods of running programs and of other hosts"
                    + " are kept.",
                    "Exit status 0, or 3 when the cluster is not reachable."})
    static final class Prune implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--namespace", paramLabel = "NS",
                description = "Namespace to prune (default: the kubeconfig context's namespace, else default).")
        String namespace;

        @Option(names = "--kubeconfig", paramLabel = "FILE",
                description = "Kubeconfig of the cluster (default: as kubectl finds it: $KUBECONFIG, else ~/.kube/config,"
                        + " else the in-cluster service account).")
        Path kubeconfig;

        @Option(names = "--kube-context", paramLabel = "NAME", description = "Context of the kubeconfig (default: its current context).")
        String context;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Config config = clientConfig(kubeconfig, context);
            String chosen = namespace(namespace, config);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                List<String> deleted = KubernetesPods.prune(client, chosen);
                deleted.forEach(name -> out.println("deleted " + name));
                out.println(deleted.isEmpty() ? "no pods to delete in namespace " + chosen
                        : "deleted " + deleted.size() + " pod" + (deleted.size() == 1 ? "" : "s") + " in namespace " + chosen);
            } catch (KubernetesClientException e) {
                throw unreachable(config, e);
            }
            out.flush();
            return 0;
        }
    }

    /**
     * The client configuration the kubernetes executor would use: the kubeconfig {@code file}
     * (else as kubectl finds it) and its {@code context} (else the current one).
     *
     * @throws CodeExecutorException ({@code ENGINE_UNREACHABLE}) when no cluster is configured
     */
    static Config clientConfig(Path file, String context) {
        if (file != null && !Files.isReadable(file)) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE,
                    "the kubeconfig " + file + " is missing or unreadable");
        }
        Config config;
        try {
            config = file != null ? Config.fromKubeconfig(context, file.toFile()) : Config.autoConfigure(context);
        } catch (RuntimeException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot read the Kubernetes"
                    + " configuration" + (file == null ? "" : " " + file) + ": " + e.getMessage(), e);
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "no Kubernetes cluster is"
                    + " configured: set KUBECONFIG, create ~/.kube/config, or give --kubeconfig");
        }
        return config;
    }

    /** The namespace {@code option}, else that of {@code config}'s context, else default. */
    static String namespace(String option, Config config) {
        if (option != null) {
            return option;
        }
        return config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
    }

    /** {@code e}, a failed call to the cluster of {@code config}, as an error with exit status 3. */
    static CodeExecutorException unreachable(Config config, KubernetesClientException e) {
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null
                ? "refused: " + e.getStatus().getMessage()
                : "is not reachable: " + cause(e);
        return new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE,
                "the Kubernetes API at " + config.getMasterUrl() + " " + reason, e);
    }

    /** What went wrong under {@code e}, in words (the JDK's exceptions often have no message). */
    private static String cause(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return "cannot connect" + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
            } else if (t instanceof java.net.UnknownHostException) {
                return "unknown host " + t.getMessage();
            } else if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.SocketTimeoutException) {
                return "no answer in time";
            } else if (t instanceof javax.net.ssl.SSLException) {
                return "TLS failed: " + t.getMessage();
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null ? String.valueOf(root) : root.getMessage();
    }
}
