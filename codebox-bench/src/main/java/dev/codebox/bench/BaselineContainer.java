package dev.codebox.bench;

import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.internal.DockerEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The docker section's baseline container, made with the docker CLI and configured as the codebox
 * executor's is (image, work dir bound at /workspace, network, memory, CPU and process limits,
 * no-new-privileges, capabilities dropped, docker's init), but running {@code sleep infinity} for
 * {@code docker exec} to use. It carries codebox's labels, so {@code codebox docker prune} and the
 * test suite's leftover check see it; {@link #close()} removes it.
 */
final class BaselineContainer implements AutoCloseable {

    private final String name;
    private final List<String> docker;

    private BaselineContainer(String name, List<String> docker) {
        this.name = name;
        this.docker = docker;
    }

    /** The docker CLI for the configuration's engine: {@code docker}, or {@code docker -H HOST}. */
    static List<String> dockerCli(DockerExecutorConfig config) {
        return config.dockerHost().map(host -> List.of("docker", "-H", host)).orElse(List.of("docker"));
    }

    /** Creates and starts the container ({@code docker run -d}); returns once it runs. */
    static BaselineContainer start(DockerExecutorConfig config, Path workDir) throws Exception {
        String name = "codebox-bench-" + UUID.randomUUID().toString().substring(0, 8);
        BaselineContainer container = new BaselineContainer(name, dockerCli(config));
        try {
            new DirectSpawn(runCommand(config, workDir, name), workDir).run();
        } catch (Exception e) {
            container.close();
            throw e;
        }
        return container;
    }

    private static List<String> runCommand(DockerExecutorConfig config, Path workDir, String name) {
        List<String> argv = new ArrayList<>(dockerCli(config));
        argv.addAll(List.of("run", "-d", "--init", "--name", name));
        DockerEngine.labels("bench").forEach((key, value) -> argv.addAll(List.of("--label", key + "=" + value)));
        argv.addAll(List.of("--network", config.network(),
                "-v", workDir + ":" + DockerExecutorConfig.CONTAINER_WORK_DIR,
                "-w", DockerExecutorConfig.CONTAINER_WORK_DIR,
                "-e", "PYTHONDONTWRITEBYTECODE=1"));
        if (config.memoryBytes() > 0) {
            argv.addAll(List.of("--memory", Long.toString(config.memoryBytes()),
                    "--memory-swap", Long.toString(config.memoryBytes())));
        }
        if (config.cpus() > 0) {
            argv.addAll(List.of("--cpus", String.format(Locale.ROOT, "%.2f", config.cpus())));
        }
        if (config.pidsLimit() > 0) {
            argv.addAll(List.of("--pids-limit", Long.toString(config.pidsLimit())));
        }
        if (config.noNewPrivileges()) {
            argv.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        if (config.dropCapabilities()) {
            argv.addAll(List.of("--cap-drop", "ALL"));
        }
        argv.addAll(List.of(config.image(), "sleep", "infinity"));
        return argv;
    }

    String name() {
        return name;
    }

    /** The docker CLI for this container's engine, followed by {@code arguments}. */
    List<String> docker(String... arguments) {
        List<String> argv = new ArrayList<>(docker);
        argv.addAll(List.of(arguments));
        return argv;
    }

    /** Removes the container ({@code docker rm -f}) and waits until it is gone. */
    @Override
    public void close() throws IOException {
        Process remove = new ProcessBuilder(docker("rm", "-f", name))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            remove.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removing container " + name, e);
        }
    }
}
