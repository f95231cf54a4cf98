package dev.codebox.cli;

import com.github.dockerjava.api.DockerClient;
import dev.codebox.docker.internal.DockerEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code codebox docker}: housekeeping of codebox's containers. */
@Command(name = "docker", mixinStandardHelpOptions = true, description = "Housekeeping of codebox's Docker containers.",
        subcommands = DockerCommand.Prune.class)
final class DockerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: prune");
    }

    /** {@code codebox docker prune}: removes the containers of codebox programs that are gone. */
    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Removes the containers left by codebox programs of this host that are no longer running"
                    + " (crashed or killed), and prints their names. Containers of running programs are kept.",
                    "Exit status 0, or 3 when the Docker engine is not reachable."})
    static final class Prune implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (DockerClient client = DockerEngine.connect()) {
                List<String> removed = DockerEngine.prune(client);
                removed.forEach(name -> out.println("removed " + name));
                out.println(removed.isEmpty() ? "no containers to remove"
                        : "removed " + removed.size() + " container" + (removed.size() == 1 ? "" : "s"));
            }
            out.flush();
            return 0;
        }
    }
}
