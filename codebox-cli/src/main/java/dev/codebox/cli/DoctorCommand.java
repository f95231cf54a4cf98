package dev.codebox.cli;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.local.SandboxPolicy;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code codebox doctor}: what works on this machine. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Reports what works here: the local executor and its sandbox, and the Docker engine.",
                "Exit status 0; the report says what does not work and why."})
final class DoctorCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("local:   " + check(LocalExecutorConfig.builder().build()));
        out.println("sandbox: " + check(LocalExecutorConfig.builder().sandbox(SandboxPolicy.defaults()).build()));
        out.println("docker:  " + docker());
        out.flush();
        return 0;
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

    private static String docker() {
        try (DockerClient client = DockerEngine.connect()) {
            Version version = client.versionCmd().exec();
            return "engine " + version.getVersion() + " (API " + version.getApiVersion() + ") at " + DockerEngine.host();
        } catch (CodeExecutorException e) {
            return "unavailable: " + e.getMessage();
        } catch (Exception e) {
            return "unavailable: the engine at " + DockerEngine.host() + " does not answer (" + e.getMessage() + ")";
        }
    }
}
