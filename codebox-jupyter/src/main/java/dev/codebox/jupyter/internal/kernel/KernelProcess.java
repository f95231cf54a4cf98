package dev.codebox.jupyter.internal.kernel;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.CodeEnvironment;
import dev.codebox.internal.Executables;
import dev.codebox.internal.ProcessSessions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A kernel process, started as the leader of a new session ({@code setsid}) so that the kernel and
 * everything the code in it starts can be signalled and killed together, also processes re-parented
 * to init. A JVM child is never a process group leader, so {@code setsid} does not fork and the
 * started process is the kernel itself: its pid is the session and process group id.
 */
final class KernelProcess {

    private static final Optional<Path> SETSID = Executables.onPath("setsid");
    private static final int LOG_TAIL_CHARS = 2000;

    private final Process process;
    private final Path log;

    private KernelProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} in {@code workDir}; its stdout and stderr go to {@code log}.
     *
     * @throws CodeExecutorException when the command cannot be started
     */
    static KernelProcess start(List<String> command, Path workDir, Map<String, String> env, Path log) {
        List<String> argv = new ArrayList<>();
        SETSID.ifPresent(setsid -> {
            argv.add(setsid.toString());
            argv.add("--wait");
        });
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeAll(CodeEnvironment.CODEBOX_SECRETS);
        builder.environment().putAll(env);
        try {
            return new KernelProcess(builder.start(), log);
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start the kernel " + command + ": " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitValue() {
        return process.exitValue();
    }

    /** The end of the kernel's own output, for error messages. */
    String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= LOG_TAIL_CHARS ? text.strip() : text.substring(text.length() - LOG_TAIL_CHARS).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGINT to the kernel's process group, as a terminal's Ctrl-C does. */
    void interrupt() {
        try {
            Process kill = new ProcessBuilder("kill", "-s", "INT", "--", "-" + process.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.KERNEL_DIED, "cannot interrupt the kernel: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} for the kernel to exit; whether it did. */
    boolean waitFor(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** SIGKILLs every process of the kernel's session until none is left, then reaps the kernel. */
    void kill() {
        if (ProcessSessions.supported()) {
            ProcessSessions.kill(List.of(process.pid()));
        }
        // Without /proc (not Linux), the descendants of the kernel are all that can be found.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitFor(1000);
    }
}
