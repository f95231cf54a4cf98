package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.testing.FilenameRace;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestEnvironment;
import dev.codebox.testing.TestPython;
import dev.codebox.testing.Wheels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each wall of the local sandbox, tried by real code in a real bubblewrap sandbox. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalSandboxTest {

    private final List<LocalCommandLineExecutor> executors = new ArrayList<>();

    @TempDir
    Path temp;

    @BeforeAll
    static void bwrapIsInstalled() {
        TestEnvironment.require(Files.isExecutable(Path.of("/usr/bin/bwrap")),
                "bubblewrap (apt-get install bubblewrap; scripts/setup-env.sh installs it)");
    }

    @AfterEach
    void stop() {
        executors.forEach(LocalCommandLineExecutor::stop);
    }

    private LocalCommandLineExecutor sandboxed(SandboxPolicy policy, Duration timeout) {
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).timeout(timeout).sandbox(policy).build());
        executors.add(executor);
        return executor;
    }

    private LocalCommandLineExecutor sandboxed() {
        return sandboxed(SandboxPolicy.defaults(), Duration.ofSeconds(30));
    }

    private static CodeResult python(LocalCommandLineExecutor executor, String code) {
        return executor.execute(CodeBlock.python(code));
    }

    @Test
    void theNetworkIsRefusedUnlessOptedIn() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(200);
            String connect = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', " + listener.getLocalPort()
                    + "), timeout=3)\n    print('connected')\nexcept OSError as e:\n    print('refused', type(e).__name__)\n"
                    + "import os\nprint(sorted(os.listdir('/sys/class/net')) if os.path.isdir('/sys/class/net') else 'no /sys')";
            CodeResult closed = python(sandboxed(), connect);
            assertTrue(closed.output().startsWith("refused ConnectionRefusedError\n"), closed.output());
            assertFalse(accepted(listener), "the sandboxed code reached a listener of this machine");

            CodeResult open = python(sandboxed(SandboxPolicy.builder().network(true).build(), Duration.ofSeconds(30)), connect);
            assertTrue(open.output().startsWith("connected\n"), open.output());
            assertTrue(accepted(listener), "with network(true) the code reaches this machine");
        }
    }

    private static boolean accepted(ServerSocket listener) throws IOException {
        try (java.net.Socket ignored = listener.accept()) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void onlyTheWorkDirIsWritable() throws Exception {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        LocalCommandLineExecutor executor = sandboxed();
        CodeResult result = python(executor, String.join("\n",
                "def attempt(path):",
                "    try:",
                "        with open(path, 'w') as f:",
                "            f.write('x')",
                "        return 'written'",
                "    except OSError as e:",
                "        return type(e).__name__",
                "print(attempt('/usr/codebox-escape'), attempt('/etc/codebox-escape'))",
                "print(attempt('" + outside.resolve("escape") + "'))",
                "print(attempt('/tmp/scratch'), attempt('in-work-dir.txt'))"));
        assertEquals("OSError OSError\nFileNotFoundError\nwritten written\n", result.output());
        assertFalse(Files.exists(outside.resolve("escape")));
        assertFalse(Files.exists(Path.of("/tmp/scratch")), "/tmp in the sandbox is its own");
        assertTrue(Files.isRegularFile(executor.workDir().resolve("in-work-dir.txt")));
        assertEquals(List.of("in-work-dir.txt"), result.outputFiles().stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void homeSecretsAndPlantedFilesAreNotVisible() throws Exception {
        Path secret = Files.writeString(temp.resolve("secret.txt"), "s3cret");
        Path home = Path.of(System.getProperty("user.home"));
        CodeResult result = python(sandboxed(), String.join("\n",
                "import os",
                "print(os.path.exists('" + secret + "'), os.path.exists('" + home + "/.bashrc'))",
                "try:",
                "    print(repr(open('/etc/shadow').read()))",
                "except PermissionError:",
                "    print('shadow: denied')",
                "print(os.environ['HOME'] == os.getcwd())"));
        assertEquals("False False\nshadow: denied\nTrue\n", result.output());
    }

    @Test
    void procShowsOnlyTheSandboxsProcesses() {
        CodeResult result = python(sandboxed(), "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))");
        assertEquals("[1, 2]\n", result.output(), "only bwrap's init (pid 1) and the block itself");
    }

    @Test
    void theEnvironmentIsMinimal() {
        CodeResult result = python(sandboxed(), "import os\nprint(' '.join(sorted(os.environ)))");
        Set<String> names = new TreeSet<>(List.of(result.output().trim().split(" ")));
        Set<String> allowed = Set.of("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "PIP_TARGET", "PYTHONPATH",
                "PWD", "OLDPWD", "SHLVL", "_"); // the last four are set by the shell that hands the block over
        assertTrue(allowed.containsAll(names), "unexpected variables: " + names.stream()
                .filter(name -> !allowed.contains(name)).collect(Collectors.toList()));
    }

    @Test
    void credentialsOfThisMachineAreScrubbedWithAndWithoutTheSandbox() throws Exception {
        for (String mode : List.of("scrub", "sandbox")) {
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), PrintEnvironment.class.getName(), mode);
            builder.environment().put("FAKE_API_KEY", "sk-fake");
            builder.environment().put("AWS_SECRET_ACCESS_KEY", "aws-fake");
            builder.environment().put("DB_PASSWORD", "pw-fake");
            builder.environment().put("GITHUB_TOKEN", "ghp-fake");
            builder.environment().put("HARMLESS_VAR", "kept");
            Process jvm = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                output = out.lines().collect(Collectors.joining("\n"));
            }
            assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
            assertEquals(mode.equals("scrub") ? "None None None None kept" : "None None None None None", output, mode);
        }
    }

    @Test
    void aForkBombIsBoundedAndTheExecutorStillReturns() throws Exception {
        String marker = Processes.uniqueSleep();
        LocalCommandLineExecutor executor = sandboxed(SandboxPolicy.builder().processes(64).build(), Duration.ofSeconds(4));
        CodeResult result = python(executor, String.join("\n",
                "import os, subprocess",
                "subprocess.Popen(['sleep', '" + marker + "'])",
                "count = 0",
                "while True:",
                "    try:",
                "        if os.fork() == 0:",
                "            import time",
                "            time.sleep(60)",
                "            os._exit(0)",
                "        count += 1",
                "    except OSError:",
                "        print('bounded at', count, flush=True)",
                "        break",
                "import time",
                "time.sleep(60)"));
        assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("bounded at "), result.output());
        int forks = Integer.parseInt(result.output().split("\n")[0].substring("bounded at ".length()).trim());
        assertTrue(forks < 64, "forked " + forks);
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(2)).isEmpty(), "a process of the bomb outlived the timeout");
        assertEquals("still here\n", python(executor, "print('still here')").output());
    }

    @Test
    void aMemoryBombEndsWithTheLimitNamed() {
        LocalCommandLineExecutor executor = sandboxed(SandboxPolicy.builder().memoryBytes(256L << 20).build(), Duration.ofSeconds(30));
        CodeResult result = python(executor, "x = bytearray(1 << 30)\nprint('allocated')");
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("MemoryError"), result.output());
        assertTrue(result.output().endsWith("codebox: the block hit its memory limit (268435456 bytes of address space per process)\n"),
                result.output());
    }

    @Test
    void theCpuLimitIsNamed() {
        LocalCommandLineExecutor executor = sandboxed(SandboxPolicy.builder().cpuSeconds(1).build(), Duration.ofSeconds(30));
        CodeResult result = python(executor, "while True:\n    pass");
        assertEquals(128 + 24, result.exitCode(), result.output());
        assertTrue(result.output().endsWith("codebox: the block was killed: it used up its CPU time limit (1 s per process)\n"),
                result.output());
    }

    @Test
    void aBackgroundProcessIsKilledAtTimeoutAndNothingIsLeftAfterStop() throws Exception {
        String marker = Processes.uniqueSleep();
        LocalCommandLineExecutor executor = sandboxed(SandboxPolicy.defaults(), Duration.ofSeconds(2));
        CodeResult result = executor.execute(CodeBlock.bash("sleep " + marker + " &\necho started\nsleep " + marker));
        assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode(), result.output());
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "the background process outlived the timeout");
        Path workDir = executor.workDir();
        Optional<Path> cgroup = cgroupOf(workDir);
        executor.stop();
        assertFalse(Files.exists(workDir), "the temporary work dir is left");
        cgroup.ifPresent(dir -> assertFalse(Files.exists(dir), "the cgroup is left: " + dir));
    }

    private static Optional<Path> cgroupOf(Path workDir) {
        try (var dirs = Files.list(Path.of("/sys/fs/cgroup/pids"))) {
            return dirs.filter(dir -> dir.getFileName().toString().startsWith("codebox-" + ProcessHandle.current().pid() + "-"))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Test
    void functionsAndConcurrentBlocksWorkInTheSandbox() {
        PythonFunction twice = PythonFunction.builder("def twice(x: int) -> int:\n    \"\"\"Doubles X.\"\"\"\n    return 2 * x\n").build();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).sandbox(SandboxPolicy.defaults()).functions(FunctionModule.of(twice)).build());
        executors.add(executor);
        assertEquals("42\n", python(executor, "from functions import twice\nprint(twice(21))").output());
    }

    /**
     * A sandboxed block that exchanges a directory {@code d} and a link to a host directory in a loop
     * ({@code renameat2(RENAME_EXCHANGE)}) races the writes of blocks named {@code # filename: d/x.sh}
     * that run beside it: the code cannot write outside the work dir, and the JVM, which can, must
     * never be steered there by a link swapped in between its checks and its write.
     */
    @Test
    void aLinkSwappedInBesideAWriteNeverRedirectsItOutOfTheWorkDir() throws Exception {
        Path outside = Files.createDirectory(temp.resolve("outside"));
        LocalCommandLineExecutor executor = sandboxed(SandboxPolicy.defaults(), Duration.ofSeconds(60));
        executor.start();
        String swapper = String.join("\n",
                "import ctypes, os, time",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "os.makedirs('d', exist_ok=True)",
                "os.symlink('" + outside + "', 'l')",
                "open('swapping', 'w').close()",
                "end = time.monotonic() + 20",
                "while not os.path.exists('stop') and time.monotonic() < end:",
                "    libc.renameat2(-100, b'd', -100, b'l', 2)  # AT_FDCWD, RENAME_EXCHANGE",
                "");
        CompletableFuture<CodeResult> swapping = CompletableFuture.supplyAsync(() -> python(executor, swapper));
        Path workDir = executor.workDir();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(workDir.resolve("swapping")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        FilenameRace.Counts counts = FilenameRace.writeNamedBlocks(executor, 1000, swapping::isDone);
        executor.execute(new CodeBlock("sh", "touch stop"));
        assertEquals(0, swapping.get(60, TimeUnit.SECONDS).exitCode(), "the swapper failed");
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(List.of(), files.toList(), "files written outside the work dir");
        }
        assertTrue(counts.raced(), "the race did not happen: " + counts);
    }

    @Test
    void pipInstallsARequirementIntoTheWorkDirWithTheVirtualEnvironmentReadOnly() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        Path wheel = Wheels.build(temp.resolve("dist"), "codebox_sandboxed", "1.0", "def answer():\n    return 42\n");
        PythonFunction answer = PythonFunction.builder("def answer() -> int:\n    \"\"\"The answer.\"\"\"\n"
                + "    return codebox_sandboxed.answer()\n").imports("codebox_sandboxed").requirements(wheel.toString()).build();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder().virtualEnv(venv)
                .sandbox(SandboxPolicy.builder().readOnlyPath(wheel.getParent()).build()).functions(answer).build());
        executors.add(executor);
        CodeResult result = python(executor, "from functions import answer\nimport codebox_sandboxed\nprint(answer(), codebox_sandboxed.__file__)");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("42 " + executor.workDir().resolve(".codebox-packages")), result.output());
        try (var installed = Files.list(venv.resolve("lib"))) {
            assertFalse(installed.anyMatch(dir -> Files.exists(dir.resolve("site-packages/codebox_sandboxed"))),
                    "pip wrote into the read-only virtual environment");
        }
    }

    @Test
    void aMissingBwrapFailsStartWithTheReasonAndHowToFixIt() {
        Path workDir = temp.resolve("w");
        CodeExecutorException e = assertThrows(CodeExecutorException.class, () -> Sandbox.open(SandboxPolicy.defaults(),
                workDir, List.of(), "/nonexistent", Optional.of("/bin/sh")));
        assertEquals(CodeExecutorException.Reason.SANDBOX_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("bwrap (bubblewrap) is not installed") && e.getMessage().contains("apt-get install bubblewrap"),
                e.getMessage());
    }

    @Test
    void aBwrapThatCannotCreateNamespacesFailsStartAndLeavesNothing() throws Exception {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Path fake = Files.writeString(bin.resolve("bwrap"), "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        long cgroupsBefore = codeboxCgroups();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, () -> Sandbox.open(SandboxPolicy.defaults(),
                temp, List.of(), bin + ":/usr/bin:/bin", Optional.of("/bin/sh")));
        assertEquals(CodeExecutorException.Reason.SANDBOX_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("No permissions to create new namespace") && e.getMessage().contains("user namespaces"),
                e.getMessage());
        assertEquals(cgroupsBefore, codeboxCgroups(), "the cgroup of the failed start is left");
    }

    private static long codeboxCgroups() throws IOException {
        Path pids = Path.of("/sys/fs/cgroup/pids");
        if (!Files.isDirectory(pids)) {
            return 0;
        }
        try (var dirs = Files.list(pids)) {
            return dirs.filter(dir -> dir.getFileName().toString().startsWith("codebox-")).count();
        }
    }
}
