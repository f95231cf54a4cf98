package dev.codebox.local;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.TempDirs;
import dev.codebox.spi.CommandLineExecutor;
import dev.codebox.spi.Runner;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs code blocks as processes on this machine: python, bash, sh and PowerShell blocks, in the
 * work dir, with the timeout, output cap and conventions of {@link CommandLineExecutor}.
 *
 * <p><b>This is not a sandbox.</b> Code runs as the user of the JVM, with its files and network.
 * Use the Docker executor for code you do not trust.
 *
 * <p>Each block runs as the leader of a new session (through util-linux {@code setsid}), so a
 * timeout, a cancellation or {@link #stop()} kills every process the block started, also background
 * and orphaned ones; background processes that keep the output open are killed when the block ends,
 * the others at the latest when the executor stops. Only a process that starts a session of its own
 * escapes. Concurrent {@code execute} calls run in parallel.
 */
public final class LocalCommandLineExecutor extends CommandLineExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCommandLineExecutor.class);

    private final LocalExecutorConfig config;

    /** An executor with {@link LocalExecutorConfig#defaults()}. */
    public LocalCommandLineExecutor() {
        this(LocalExecutorConfig.defaults());
    }

    /** An executor with the given configuration; nothing happens until it starts. */
    public LocalCommandLineExecutor(LocalExecutorConfig config) {
        super(config.timeout(), config.maxOutputBytes(), config.deleteCodeFiles(), config.functions());
        this.config = Objects.requireNonNull(config, "config");
    }

    /** This executor's configuration. */
    public LocalExecutorConfig config() {
        return config;
    }

    /** The work dir in use; the executor must be started. */
    public Path workDir() {
        return startedWorkDir();
    }

    /**
     * @throws CodeExecutorException when the work dir cannot be created or the virtual environment
     *     has no {@code bin/python}
     */
    @Override
    protected Runner openRunner() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(config.environment());
        Path venvPython = null;
        if (config.virtualEnv().isPresent()) {
            Path venv = config.virtualEnv().get().toAbsolutePath();
            venvPython = venv.resolve("bin/python");
            if (!Files.isExecutable(venvPython)) {
                throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "virtual environment " + venv + " has no executable bin/python");
            }
            environment.put("VIRTUAL_ENV", venv.toString());
            String path = environment.get("PATH");
            environment.put("PATH", venv.resolve("bin") + (path == null || path.isEmpty() ? "" : File.pathSeparator + path));
        }
        Interpreters interpreters = new Interpreters(environment.get("PATH"),
                config.python().orElse(venvPython), environment.get(Interpreters.PYTHON_VARIABLE));
        if (interpreters.setsid().isEmpty()) {
            LOG.warn("setsid is not installed: process trees are killed through ProcessHandle, which misses orphans");
        }
        boolean temporary = config.workDir().isEmpty();
        Path workDir;
        if (temporary) {
            workDir = TempDirs.create();
        } else {
            try {
                workDir = Files.createDirectories(config.workDir().get().toAbsolutePath()).toRealPath();
            } catch (IOException e) {
                throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot create the work dir " + config.workDir().get() + ": " + e, e);
            }
        }
        return new LocalProcessRunner(workDir, temporary, environment, interpreters);
    }

    @Override
    public String toString() {
        return "LocalCommandLineExecutor" + (isStarted() ? "[" + workDir() + "]" : "[not started]");
    }
}
