package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.spi.Launch;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestPython;
import dev.codebox.testing.Wheels;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalCommandLineExecutorTest {

    @TempDir
    Path temp;

    private static LocalExecutorConfig.Builder config() {
        return LocalExecutorConfig.builder().python(TestPython.path());
    }

    @Test
    void aWorkDirDeletedByCodeIsCreatedAgainForTheNextBlock() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
        executor.start();
        Path workDir = executor.workDir();
        CodeResult deleted = executor.execute(CodeBlock.python("import os, shutil\nshutil.rmtree(os.getcwd())"));
        assertEquals(0, deleted.exitCode(), deleted.output());
        for (int i = 0; i < 3; i++) {
            CodeResult next = executor.execute(CodeBlock.python("import os\nprint(os.getcwd())"));
            assertEquals(0, next.exitCode(), next.output());
            assertEquals(workDir + "\n", next.output());
        }
        }
    }

    @Test
    void timeoutKillsTheWholeTreeEvenWhenADescendantKeepsStdoutOpen() throws Exception {
        String marker = Processes.uniqueSleep();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().timeout(Duration.ofSeconds(2)).build())) {
            long started = System.nanoTime();
            CodeResult result = executor.execute(CodeBlock.bash("echo started\n(sleep " + marker + " &); sleep " + marker));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode());
            assertTrue(result.timedOut());
            assertEquals("started\nTimeout\n", result.output());
            assertTrue(took.compareTo(Duration.ofMillis(3000)) < 0, "returned after " + took);
            assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "left behind");
        }
    }

    @Test
    void aBackgroundProcessHoldingStdoutDoesNotHoldTheResult() throws Exception {
        String marker = Processes.uniqueSleep();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            long started = System.nanoTime();
            CodeResult result = executor.execute(CodeBlock.bash("(sleep " + marker + " &)\necho done"));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(0, result.exitCode());
            assertEquals("done\n", result.output());
            assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "returned after " + took);
            assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "left behind");
        }
    }

    @Test
    void detachedBackgroundProcessesDieAtStop() throws Exception {
        String marker = Processes.uniqueSleep();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build());
        CodeResult result = executor.execute(CodeBlock.bash("nohup sleep " + marker + " >/dev/null 2>&1 &\necho started"));
        assertEquals(0, result.exitCode(), result.output());
        assertFalse(Processes.awaitPresent(marker, Duration.ofSeconds(5)).isEmpty(), "the background process should run until stop");
        executor.stop();
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(2)).isEmpty(), "left after stop");
    }

    @Test
    void cancellationKillsTheTreeWhileABlockRuns() throws Exception {
        String marker = Processes.uniqueSleep();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            CancellationToken token = new CancellationToken();
            CompletableFuture<CodeResult> running = CompletableFuture.supplyAsync(() -> executor.execute(
                    List.of(CodeBlock.bash("sleep " + marker + " &\nsleep " + marker + "\necho never")), token));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Processes.withMarker(marker).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, Processes.withMarker(marker).size(), "both sleeps should run");
            token.cancel();
            CodeResult result = running.get(5, TimeUnit.SECONDS);
            assertEquals(CodeResult.EXIT_CANCELLED, result.exitCode());
            assertEquals("Cancelled\n", result.output());
            assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "left behind");
        }
    }

    @Test
    void cancellationBetweenBlocksStopsBeforeTheNext() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            CancellationToken token = new CancellationToken();
            CodeResult result = executor.execute(List.of(CodeBlock.python("print('first')"), CodeBlock.python("print('second')")),
                    token, (bytes, offset, length) -> {
                        if (new String(bytes, offset, length).contains("first")) {
                            token.cancel();
                        }
                    });
            assertEquals(CodeResult.EXIT_CANCELLED, result.exitCode());
            assertTrue(result.output().contains("first"), result.output());
            assertFalse(result.output().contains("second\n"), result.output());
            assertTrue(result.output().endsWith("Cancelled\n"), result.output());
        }
    }

    @Test
    void temporaryWorkDirIsRemovedAtStop() {
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build());
        executor.start();
        Path workDir = executor.workDir();
        assertTrue(Files.isDirectory(workDir));
        executor.execute(CodeBlock.python("open('left.txt', 'w').write('x')"));
        executor.stop();
        assertFalse(Files.exists(workDir), workDir + " still exists");
    }

    @Test
    void givenWorkDirIsCreatedAndKept() throws Exception {
        Path workDir = temp.resolve("new/work");
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().workDir(workDir).build())) {
            CodeResult result = executor.execute(CodeBlock.python("open('made.txt', 'w').write('hi')"));
            assertEquals(0, result.exitCode(), result.output());
            assertEquals(List.of(workDir.toRealPath().resolve("made.txt")), result.outputFiles());
        }
        assertEquals("hi", Files.readString(workDir.resolve("made.txt")));
    }

    @Test
    void codeFilesAreDeletedByDefaultAndKeptOnRequest() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().workDir(temp).build())) {
            CodeResult result = executor.execute(CodeBlock.python("print(1)"));
            assertFalse(Files.exists(result.codeFiles().get(0)));
        }
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().workDir(temp).deleteCodeFiles(false).build())) {
            CodeResult result = executor.execute(CodeBlock.python("print(2)"));
            assertTrue(Files.exists(result.codeFiles().get(0)));
        }
    }

    @Test
    void unknownLanguageWritesNothing() throws Exception {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().workDir(temp).deleteCodeFiles(false).build())) {
            CodeResult result = executor.execute(new CodeBlock("fortran", "print *, 'hi'"));
            assertEquals(1, result.exitCode());
            assertEquals("unknown language fortran\n", result.output());
            try (var files = Files.list(temp)) {
                assertEquals(0, files.count());
            }
        }
    }

    @Test
    void languagesAndAliasesRun() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            for (String tag : List.of("python", "py", "Python")) {
                assertEquals("py\n", executor.execute(new CodeBlock(tag, "print('py')")).output(), tag);
            }
            for (String tag : List.of("bash", "sh", "shell")) {
                assertEquals("sh\n", executor.execute(new CodeBlock(tag, "echo sh")).output(), tag);
            }
            assertEquals("bash\n", executor.execute(CodeBlock.bash("echo ${BASH_VERSION:+bash}")).output());
        }
    }

    @Test
    void powerShellRunsWhenInstalledAndIsExplainedWhenNot() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            Interpreters interpreters = new Interpreters(System.getenv("PATH"), null, null);
            boolean installed = Launch.interpreters(Language.PWSH).stream().anyMatch(name -> interpreters.find(name).isPresent());
            for (String tag : List.of("pwsh", "powershell", "ps1")) {
                CodeResult result = executor.execute(new CodeBlock(tag, "Write-Output 'from pwsh'"));
                if (installed) {
                    assertEquals(0, result.exitCode(), result.output());
                    assertEquals("from pwsh\n", result.output());
                } else {
                    assertEquals(1, result.exitCode());
                    assertEquals("PowerShell is not installed: neither pwsh nor powershell is on PATH\n", result.output());
                }
            }
        }
    }

    @Test
    void stdoutAndStderrKeepTheirOrder() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            CodeResult result = executor.execute(CodeBlock.bash("echo one\necho two >&2\necho three\necho four >&2"));
            assertEquals("one\ntwo\nthree\nfour\n", result.output());
        }
    }

    @Test
    void environmentVariablesAndInterpreterAreUsed() {
        LocalExecutorConfig config = config().environment("CODEBOX_TEST_VALUE", "forty-two").build();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            CodeResult result = executor.execute(CodeBlock.python(
                    "import os, sys\nprint(os.environ['CODEBOX_TEST_VALUE'])\nprint(sys.executable)"));
            assertEquals("forty-two\n" + TestPython.path() + "\n", result.output());
        }
    }

    @Test
    void missingInterpreterGivesAResult() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().python(Path.of("/nonexistent/python9")).build())) {
            CodeResult result = executor.execute(CodeBlock.python("print(1)"));
            assertEquals(1, result.exitCode());
            assertEquals("Python interpreter not found: /nonexistent/python9\n", result.output());
        }
    }

    @Test
    void virtualEnvironmentRunsPythonAndComesFirstOnPath() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().virtualEnv(venv).build())) {
            CodeResult python = executor.execute(CodeBlock.python("import sys\nprint(sys.prefix)"));
            assertEquals(venv.toString() + "\n", python.output());
            CodeResult bash = executor.execute(CodeBlock.bash("command -v python\necho $VIRTUAL_ENV"));
            assertEquals(venv.resolve("bin/python") + "\n" + venv + "\n", bash.output());
        }
    }

    @Test
    void virtualEnvironmentWithoutPythonIsAClearError() {
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().virtualEnv(temp.resolve("not-a-venv")).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().contains("has no executable bin/python"), e.getMessage());
        assertFalse(executor.isStarted());
    }

    @Test
    void pipInstallIsSilencedAndInstallsIntoTheVirtualEnvironment() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        Path wheel = Wheels.build(temp.resolve("dist"), "codebox_probe", "0.1", "ANSWER = 42\n");
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().virtualEnv(venv).build())) {
            CodeResult install = executor.execute(CodeBlock.bash("pip install --no-index " + wheel));
            assertEquals(0, install.exitCode(), install.output());
            assertFalse(install.output().contains("Successfully installed"), install.output());
            CodeResult use = executor.execute(CodeBlock.python("import codebox_probe\nprint(codebox_probe.ANSWER)"));
            assertEquals("42\n", use.output());
        }
    }

    @Test
    void heapStaysBoundedWhileCodePrints300Megabytes() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            executor.execute(CodeBlock.python("print(1)"));
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            AtomicLong peak = new AtomicLong(before);
            AtomicBoolean done = new AtomicBoolean();
            Thread sampler = new Thread(() -> {
                while (!done.get()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            CodeResult result = executor.execute(CodeBlock.python(
                    "import sys\nline = b'y' * 1023 + b'\\n'\nchunk = line * 1024\n"
                            + "for _ in range(300):\n    sys.stdout.buffer.write(chunk)\nprint('end')"));
            done.set(true);
            sampler.join();
            assertEquals(0, result.exitCode());
            assertTrue(result.output().endsWith("end\n"));
            long grew = peak.get() - before;
            assertTrue(grew < 16L << 20, "heap grew by " + (grew >> 20) + " MiB");
        }
    }

    @Test
    void concurrentCallsRunInParallel() throws Exception {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            executor.start();
            long started = System.nanoTime();
            List<CompletableFuture<CodeResult>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> executor.execute(CodeBlock.python("import time\ntime.sleep(1)\nprint('ok')"))));
            }
            List<CodeResult> results = new ArrayList<>();
            for (CompletableFuture<CodeResult> call : calls) {
                results.add(call.get(30, TimeUnit.SECONDS));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            for (CodeResult result : results) {
                assertEquals("ok\n", result.output());
                assertFalse(Files.exists(result.codeFiles().get(0)), "deleted once the last user ended");
            }
            assertTrue(took.compareTo(Duration.ofMillis(3500)) < 0, "4 one-second blocks took " + took);
        }
    }

    /**
     * The JVM starts processes with SIGQUIT blocked (its threads' signal mask): blocks start with no
     * signal blocked, as from a terminal, whether they take the standby or get one started for them
     * (blocks side by side), python blocks too when no server starts them. This relies on dash as
     * /bin/sh (see standby.sh).
     */
    @Test
    void blocksStartWithNoSignalBlocked() throws Exception {
        String mask = "sleep 0.3\ngrep SigBlk /proc/self/status";
        String none = "SigBlk:\t0000000000000000\n";
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            assertEquals(none, executor.execute(new CodeBlock("sh", mask)).output());
            assertEquals(none, executor.execute(new CodeBlock("bash", mask)).output());
            List<CompletableFuture<CodeResult>> sideBySide = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sideBySide.add(CompletableFuture.supplyAsync(() -> executor.execute(new CodeBlock("bash", mask))));
            }
            for (CompletableFuture<CodeResult> call : sideBySide) {
                assertEquals(none, call.get(30, TimeUnit.SECONDS).output());
            }
        }
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().pythonServer(false).build())) {
            assertEquals("0000000000000000\n", executor.execute(CodeBlock.python(
                    "print(open('/proc/self/status').read().split('SigBlk:')[1].split()[0])")).output());
        }
    }

    @Test
    void stoppedExecutorCanStartAgain() {
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build());
        assertEquals("1\n", executor.execute(CodeBlock.python("print(1)")).output());
        executor.restart();
        assertEquals("2\n", executor.execute(CodeBlock.python("print(2)")).output());
        executor.stop();
        assertFalse(executor.isStarted());
        assertEquals("3\n", executor.execute(CodeBlock.python("print(3)")).output());
        executor.stop();
    }

    @Test
    void stopCancelsRunningExecutions() throws Exception {
        String marker = Processes.uniqueSleep();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build());
        executor.start();
        CompletableFuture<CodeResult> running = CompletableFuture.supplyAsync(() -> executor.execute(CodeBlock.bash("sleep " + marker)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Processes.withMarker(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        executor.stop();
        assertEquals(CodeResult.EXIT_CANCELLED, running.get(5, TimeUnit.SECONDS).exitCode());
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "left behind");
    }

    @Test
    void invalidConfigurationIsRefused() {
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> LocalExecutorConfig.builder().timeout(Duration.ofMillis(500)).build());
        assertEquals("timeout must be at least 1 second, was PT0.5S", timeout.getMessage());
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
                () -> LocalExecutorConfig.builder().maxOutputBytes(10).build());
        assertEquals("maxOutputBytes must be at least 256, was 10", cap.getMessage());
        assertThrows(NullPointerException.class, () -> new LocalCommandLineExecutor().execute((List<CodeBlock>) null));
    }

    @Test
    void defaultsAreDocumentedValues() {
        LocalExecutorConfig defaults = LocalExecutorConfig.defaults();
        assertEquals(Duration.ofSeconds(60), defaults.timeout());
        assertTrue(defaults.workDir().isEmpty());
        assertTrue(defaults.deleteCodeFiles());
        assertEquals(1 << 20, defaults.maxOutputBytes());
        assertEquals(defaults, defaults.toBuilder().build());
    }
}
