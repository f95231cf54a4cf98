package dev.codebox.cli;

import dev.codebox.commandline.Settings;
import dev.codebox.output.OutputSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every executor understands. */
public final class CommonOptions {

    @Option(names = {"-e", "--executor"}, paramLabel = "NAME", defaultValue = "local",
            description = "Where code runs: local, docker, jupyter or docker-jupyter (default: ${DEFAULT-VALUE}).")
    String executor;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time each block may run, at least 1 (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Directory the code runs in, created when missing and kept (default: a temporary directory, deleted at the end).")
    Path workDir;

    @Option(names = "--python", paramLabel = "PATH",
            description = "Python interpreter of the local executor (default: $CODEBOX_PYTHON, else python3 on PATH).")
    Path python;

    @Option(names = "--max-output", paramLabel = "BYTES", defaultValue = "" + OutputSink.DEFAULT_MAX_BYTES,
            description = "Bytes of output kept: the head and the tail (default: ${DEFAULT-VALUE}).")
    int maxOutputBytes;

    @Option(names = "--json", description = "Print one JSON object with the result instead of the output as it comes.")
    boolean json;

    /** The executor name, lower case. */
    public String executor() {
        return executor.toLowerCase(java.util.Locale.ROOT);
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
}
