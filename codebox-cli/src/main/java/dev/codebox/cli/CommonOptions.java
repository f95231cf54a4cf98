package dev.codebox.cli;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.internal.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every executor understands. */
public final class CommonOptions {

    @Option(names = {"-e", "--executor"}, paramLabel = "NAME", defaultValue = "local",
            description = "Where code runs: local, docker, kubernetes, jupyter or docker-jupyter (default: ${DEFAULT-VALUE}).")
    String executor;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + ExecutorConfigBuilder.DEFAULT_TIMEOUT_SECONDS,
            description = "Time each block may run, at least 1 (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Directory the code runs in, created when missing and kept (default: a temporary directory, deleted at the end);"
                    + " -e kubernetes: the host directory that mirrors the pod's /workspace.")
    Path workDir;

    @Option(names = "--python", paramLabel = "PATH",
            description = "Python interpreter of the local executor (default: $CODEBOX_PYTHON, else python3 on PATH).")
    Path python;

    @Option(names = "--no-fork-server",
            description = "Start an interpreter for each python block instead of forking it from one started ahead of time "
                    + "(-e local, -e docker, -e kubernetes). exec and run start that fork server only for two python blocks or more.")
    boolean noForkServer;

    @Option(names = "--max-output", paramLabel = "BYTES", defaultValue = "" + ExecutorConfigBuilder.DEFAULT_MAX_OUTPUT_BYTES,
            description = "Bytes of output kept: the head and the tail (default: ${DEFAULT-VALUE}).")
    int maxOutputBytes;

    @Option(names = "--json", description = "Print one JSON object with the result instead of the output as it comes.")
    boolean json;

    @Option(names = "--env", paramLabel = "NAME=VALUE",
            description = "Set an environment variable for the code (repeatable; -e local, -e docker and -e kubernetes).")
    List<String> environment = new ArrayList<>();

    @Option(names = "--keep-code-files", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Keep the code files in the work dir after the run (default: deleted; --no-keep-code-files).")
    boolean keepCodeFiles;

    @Option(names = "--restart-between-blocks",
            description = "Give each block a fresh executor state: restart the kernel, container or pod (local: no state to reset) before every block but the first.")
    boolean restartBetweenBlocks;

    /** The chosen executor; checked. */
    ExecutorKind executor() {
        return ExecutorKind.parse(executor);
    }

    /** The per-block timeout; checked. */
    public Duration timeout() {
        return Settings.requireTimeout(Duration.ofSeconds(timeoutSeconds));
    }

    public Optional<Path> workDir() {
        return Optional.ofNullable(workDir);
    }

    public Optional<Path> python() {
        return Optional.ofNullable(python);
    }

    /** The output cap; checked. */
    public int maxOutputBytes() {
        return Settings.requireMaxOutputBytes(maxOutputBytes);
    }

    public boolean json() {
        return json;
    }

    /** Whether code files are deleted after the run. */
    public boolean deleteCodeFiles() {
        return !keepCodeFiles;
    }

    public boolean restartBetweenBlocks() {
        return restartBetweenBlocks;
    }

    /** The {@code --env} variables in order; checked. */
    public Map<String, String> environment() {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String entry : environment) {
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                throw new UsageException("invalid --env '" + entry + "': expected NAME=VALUE");
            }
            variables.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return variables;
    }
}
