package dev.codebox.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the codebox command line in a JVM of its own, as a user would, and captures what it prints. */
final class CliProcess {

    final Process process;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Thread outPump;
    private final Thread errPump;

    private CliProcess(Process process) {
        this.process = process;
        outPump = pump(process.getInputStream(), stdout);
        errPump = pump(process.getErrorStream(), stderr);
    }

    /** Starts {@code codebox ARGS} in {@code dir} with {@code stdin} as standard input. */
    static CliProcess start(Path dir, String stdin, String... args) throws IOException {
        return start(List.of(), dir, stdin, args);
    }

    /**
     * Starts {@code codebox ARGS | READER} in bash: stdout is the reader's, stderr codebox's, and
     * codebox's exit status is written last to stderr as "codebox exited with N".
     */
    static CliProcess startPiped(Path dir, String stdin, String reader, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", "-c",
                "\"$@\" | " + reader + "; echo \"codebox exited with ${PIPESTATUS[0]}\" >&2", "bash"));
        command.addAll(javaCommand(List.of()));
        command.addAll(List.of(args));
        return start(command, dir, stdin);
    }

    /** Starts {@code codebox ARGS} in a JVM with {@code jvmOptions} (such as a small heap). */
    static CliProcess start(List<String> jvmOptions, Path dir, String stdin, String... args) throws IOException {
        List<String> command = javaCommand(jvmOptions);
        command.addAll(List.of(args));
        return start(command, dir, stdin);
    }

    private static List<String> javaCommand(List<String> jvmOptions) {
        // With default signal dispositions, as from a terminal: a suite started in the background
        // (nohup, &) ignores SIGINT, and a JVM that inherits that ignores Ctrl-C too.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return command;
    }

    private static CliProcess start(List<String> command, Path dir, String stdin) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("CODEBOX_PYTHON", dev.codebox.testing.TestPython.path().toString());
        Process process = builder.start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        return new CliProcess(process);
    }

    /** Runs {@code codebox ARGS} to its end. */
    static CliProcess run(Path dir, String stdin, String... args) throws Exception {
        CliProcess cli = start(dir, stdin, args);
        cli.await();
        return cli;
    }

    void await() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("codebox did not end within 60 s");
        }
        outPump.join();
        errPump.join();
    }

    int exitCode() {
        return process.exitValue();
    }

    String stdout() {
        synchronized (stdout) {
            return stdout.toString(StandardCharsets.UTF_8);
        }
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (sink) {
                        sink.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
