package dev.codebox.local;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.CodeEnvironment;
import dev.codebox.internal.TempDirs;
import dev.codebox.spi.CommandLineExecutor;
import dev.codebox.spi.Runner;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs code blocks as processes on this machine: python, bash, sh and PowerShell blocks, in the
 * work dir, with the timeout, output cap and conventions of {@link CommandLineExecutor}.
 *
 * <p><b>Without {@link LocalExecutorConfig.Builder#sandbox(SandboxPolicy) sandbox} this is not a
 * sandbox.</b> Code runs as the user of the JVM, with its files, network and environment. With a
 * {@link SandboxPolicy}, each block runs in a bubblewrap sandbox: its own namespaces, a read-only
 * system, no network, no home directory, resource limits and a minimal environment. For code that
 * may attack the kernel itself, use the Docker executor with gVisor.
 *
 * <p>Each block runs as the leader of a new session (through util-linux {@code setsid}), so a
 * timeout, a cancellation or {@link #stop()} kills every process the block started, also background
 * and orphaned ones; background processes that keep the output open are killed when the block ends,
 * the others at the latest when the executor stops. Only a process that starts a session of its own
 * escapes. Concurrent {@code execute} calls run in parallel.
 */
public final class LocalCommandLineExecutor extends CommandLineExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCommandLineExecutor.class);

    /** PATH in the sandbox, after a virtual environment's bin dir. */
    private static final String SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    /** Where pip installs in the sandbox, in the work dir ({@code PIP_TARGET}, also on {@code PYTHONPATH}). */
    static final String SANDBOX_PACKAGES = ".codebox-packages";

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
        Map<String, String> machine = CodeEnvironment.ofMachine();
        Map<String, String> environment = new HashMap<>(config.scrubEnvironment() ? Environments.scrubbed(machine) : machine);
        environment.putAll(config.environment());
        Path venv = null;
        Path venvPython = null;
        if (config.virtualEnv().isPresent()) {
            venv = config.virtualEnv().get().toAbsolutePath();
            venvPython = venv.resolve("bin/python");
            if (!Files.isExecutable(venvPython)) {
                throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "virtual environment " + venv + " has no executable bin/python");
            }
            environment.put("VIRTUAL_ENV", venv.toString());
            String path = environment.get("PATH");
            environment.put("PATH", venv.resolve("bin") + (path == null || path.isEmpty() ? "" : File.pathSeparator + path));
        }
        Path workDir = createWorkDir();
        boolean temporary = config.workDir().isEmpty();
        Sandbox sandbox = null;
        try {
            if (config.sandbox().isPresent()) {
                String path = (venv == null ? "" : venv.resolve("bin") + File.pathSeparator) + SANDBOX_PATH;
                Map<String, String> configured = new HashMap<>(config.environment());
                if (venv != null) {
                    configured.putIfAbsent("VIRTUAL_ENV", venv.toString());
                }
                // pip installs into the work dir: the system and the virtual environment are read-only.
                Path packages = workDir.resolve(SANDBOX_PACKAGES);
                configured.putIfAbsent("PIP_TARGET", packages.toString());
                configured.putIfAbsent("PYTHONPATH", packages.toString());
                environment = Environments.sandboxed(machine, workDir, path, configured);
            }
            // CODEBOX_PYTHON is codebox's setting, read from this machine even when the code's environment is scrubbed.
            Interpreters interpreters = new Interpreters(environment.get("PATH"), config.python().orElse(venvPython),
                    config.environment().getOrDefault(Interpreters.PYTHON_VARIABLE, machine.get(Interpreters.PYTHON_VARIABLE)));
            if (interpreters.setsid().isEmpty()) {
                LOG.warn("setsid is not installed: process trees are killed through ProcessHandle, which misses orphans");
            }
            if (config.sandbox().isPresent()) {
                List<Path> readOnly = new ArrayList<>();
                if (venv != null) {
                    readOnly.add(venv);
                }
                interpreters.python().ifPresent(python -> readOnly.addAll(interpreterPaths(python)));
                sandbox = Sandbox.open(config.sandbox().get(), workDir, readOnly, environment.get("PATH"),
                        interpreters.posixShell());
            }
            return new LocalProcessRunner(workDir, temporary, environment, interpreters, Optional.ofNullable(sandbox),
                    config.pythonServer(), config.pythonForkServer());
        } catch (RuntimeException e) {
            if (sandbox != null) {
                sandbox.close();
            }
            if (temporary) {
                TempDirs.deleteRecursively(workDir);
            }
            throw e;
        }
    }

    private Path createWorkDir() {
        if (config.workDir().isEmpty()) {
            return TempDirs.create();
        }
        try {
            return Files.createDirectories(config.workDir().get().toAbsolutePath()).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot create the work dir " + config.workDir().get() + ": " + e, e);
        }
    }

    /** What the sandbox shows of the interpreter {@code python}, read-only, beside /usr: see {@link #interpreterPaths(Path, Path)}. */
    private static List<Path> interpreterPaths(String python) {
        try {
            return interpreterPaths(Path.of(python).toRealPath(), Path.of(System.getProperty("user.home")).toAbsolutePath());
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The installation prefix of an interpreter outside /usr ({@code /opt/python/bin/python3} →
     * {@code /opt/python}); only its {@code bin} and {@code lib} directories where that prefix is
     * the root or holds the user's home (a Python built with {@code --prefix=$HOME} must not show
     * {@code ~/.ssh}).
     *
     * @param real the interpreter's real path
     */
    static List<Path> interpreterPaths(Path real, Path home) {
        if (real.startsWith("/usr") || real.getParent() == null || real.getParent().getParent() == null) {
            return List.of();
        }
        Path prefix = real.getParent().getParent();
        if (prefix.getParent() != null && !home.startsWith(prefix)) {
            return List.of(prefix);
        }
        return java.util.stream.Stream.of("bin", "lib", "lib64").map(prefix::resolve)
                .filter(path -> Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
    }

    @Override
    public String toString() {
        return "LocalCommandLineExecutor" + (isStarted() ? "[" + workDir() + "]" : "[not started]");
    }
}
