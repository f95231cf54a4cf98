package dev.codebox.jupyter.internal.kernel;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.Executables;
import dev.codebox.internal.Watchdog;
import dev.codebox.jupyter.LocalJupyterConfig;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts kernel processes from a kernelspec: finds the spec, writes a connection file (free ports, a
 * random key, owner-only permissions) into the temp dir, connects the channels and launches the
 * kernel's argv in a session of its own, in the work dir (default: the output dir).
 */
public final class LocalKernelLauncher implements KernelLauncher {

    private final LocalJupyterConfig config;

    public LocalKernelLauncher(LocalJupyterConfig config) {
        this.config = config;
    }

    @Override
    public Kernel launch(Path outputDir) {
        List<Path> dataDirs = config.kernelDataDirs().isEmpty() ? KernelSpecs.standardDataDirs() : config.kernelDataDirs();
        KernelSpec spec = KernelSpecs.find(config.kernelName(), dataDirs);
        Path connectionFile = null;
        Path log = null;
        ZmqTransport transport = null;
        try {
            // codebox-kernel-<pid>-: TempDirs.reapStale removes them if this JVM and its watchdog both die.
            String prefix = "codebox-kernel-" + ProcessHandle.current().pid() + "-";
            connectionFile = Files.createTempFile(prefix, ".json");
            log = Files.createTempFile(prefix, ".log");
            ConnectionInfo info = ConnectionInfo.allocate();
            info.write(connectionFile);
            transport = new ZmqTransport(info);
            Map<String, String> env = new HashMap<>(spec.env());
            // ipykernel exits by itself when this parent dies, even if stop() never runs (SIGKILL).
            env.put("JPY_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
            KernelProcess process = KernelProcess.start(spec.command(connectionFile),
                    config.workDir().orElse(outputDir), env, log);
            // Kills the kernel's session (code's subprocesses too) and removes its files if this JVM dies.
            Watchdog watchdog = Watchdog.start(Executables.onPath("setsid").map(Path::toString),
                    Executables.onPath("sh").map(Path::toString), List.of(connectionFile, log));
            watchdog.watch(process.pid());
            Heartbeat heartbeat = new Heartbeat(transport, info.heartbeatPort(), spec.name());
            heartbeat.start();
            return new LocalKernel(spec, process, transport, heartbeat, connectionFile, log, watchdog);
        } catch (IOException | RuntimeException e) {
            if (transport != null) {
                transport.close();
            }
            deleteQuietly(connectionFile);
            deleteQuietly(log);
            throw e instanceof CodeExecutorException cee ? cee
                    : new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start the " + spec.name() + " kernel: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> outputDirInKernel(Path outputDir) {
        return Optional.of(outputDir.toAbsolutePath().toString());
    }

    @Override
    public String describe() {
        return "local kernel " + config.kernelName();
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // Nothing better to do while already failing.
            }
        }
    }
}
