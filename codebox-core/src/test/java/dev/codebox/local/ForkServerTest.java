package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestPython;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fork server's own behaviour; {@link ForkServerEquivalenceTest} compares what blocks see. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForkServerTest {

    /** Prints the command line of the block's parent: the fork server's has its source. */
    private static final String PARENT = "import os\nprint(open('/proc/%d/cmdline' % os.getppid(), 'rb').read().count(b'fork server') > 0, os.getppid())";
    /** Prints whether the block's own command line is the fork server's (forked) and its parent's last argument. */
    private static final String ORIGIN = "import os\nown = open('/proc/self/cmdline', 'rb').read()\n"
            + "parent = open('/proc/%d/cmdline' % os.getppid(), 'rb').read().split(b'\\0')\n"
            + "print(own.count(b'fork server') > 0, parent[-2].decode(), os.getppid())";
    /** What a block's process is: session, group, stdin, signal state, cwd, argv and two variables. */
    private static final String PROCESS = "import os, sys\n"
            + "status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines())\n"
            + "print(os.getsid(0) == os.getpid() == os.getpgid(0), os.readlink('/proc/self/fd/0'))\n"
            + "print(status['SigBlk'], status['SigIgn'])\n"
            + "print(os.getcwd(), sys.argv, os.environ.get('CODEBOX_T'), os.environ.get('PWD'))\n";

    @TempDir
    Path temp;

    private static LocalExecutorConfig.Builder config() {
        return LocalExecutorConfig.builder().python(TestPython.path());
    }

    @Test
    void pythonBlocksAreForkedFromOneServerByDefaultAndSpawnedAsFreshInterpretersWhenTurnedOff() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            String first = executor.execute(CodeBlock.python(ORIGIN)).output();
            String second = executor.execute(CodeBlock.python(ORIGIN)).output();
            assertTrue(first.startsWith("True "), first);
            assertEquals(first, second, "the same server forks every block");
        }
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().pythonForkServer(false).build())) {
            String first = executor.execute(CodeBlock.python(ORIGIN)).output();
            String second = executor.execute(CodeBlock.python(ORIGIN)).output();
            assertTrue(first.startsWith("False spawn "), "a fresh interpreter, started by the server in spawn mode: " + first);
            assertEquals(first, second, "one server spawns every block");
        }
    }

    @Test
    void aSpawnedBlockStartsAsTheJvmWouldStartIt(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("process.py"), PROCESS);
        Process direct = new ProcessBuilder(TestPython.path().toString(), script.toString()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        // The ignored signals of an interpreter the JVM starts (its blocked ones are the JVM's: SIGQUIT).
        String ignored = new String(direct.getInputStream().readAllBytes()).lines().skip(1).findFirst().orElseThrow().split(" ")[1];
        assertEquals(0, direct.waitFor());
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                config().pythonForkServer(false).environment("CODEBOX_T", "x y").build())) {
            CodeResult result = executor.execute(CodeBlock.python(PROCESS));
            assertEquals(0, result.exitCode(), result.output());
            List<String> lines = result.output().lines().toList();
            assertEquals("True /dev/null", lines.get(0), "a session leader of its own, stdin empty");
            assertEquals("0000000000000000 " + ignored, lines.get(1), "no signal blocked, only what the interpreter ignores itself ignored");
            String workDir = executor.workDir().toString();
            assertTrue(lines.get(2).matches(java.util.regex.Pattern.quote(workDir) + " \\['tmp_code_\\w+\\.py'\\] x y "
                    + java.util.regex.Pattern.quote(workDir)), lines.get(2));
        }
    }

    @Test
    void aBlockTheSpawningServerCannotStartIsStartedByTheJvmWhichReportsWhyAndTheServerServesOn() throws Exception {
        Path python = temp.resolve("python3");
        Files.writeString(python, "#!/bin/sh\nexec " + TestPython.path() + " \"$@\"\n");
        python.toFile().setExecutable(true);
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().python(python).pythonForkServer(false).build())) {
            String before = executor.execute(CodeBlock.python(ORIGIN)).output();
            assertTrue(before.startsWith("False spawn "), before);
            Path aside = Files.move(python, temp.resolve("python3-aside"));
            CodeResult missing = executor.execute(CodeBlock.python("print(1)"));
            assertEquals(127, missing.exitCode(), missing.output());
            assertTrue(missing.output().contains(python.toString()), missing.output());
            Files.move(aside, python);
            assertEquals(before, executor.execute(CodeBlock.python(ORIGIN)).output(), "the same server spawns the next block");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void atexitHandlersThatStartUpCodeRegisteredRunAtTheEndOfEveryBlock(boolean forking, @TempDir Path site) throws Exception {
        Files.writeString(site.resolve("sitecustomize.py"),
                "import atexit\natexit.register(lambda: print('registered at start-up'))\n");
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                config().pythonForkServer(forking).environment("PYTHONPATH", site.toString()).build())) {
            // Blocks with pauses between them (each from a standby that warmed up), then back to back.
            for (int i = 0; i < 3; i++) {
                Thread.sleep(200);
                assertEquals("1\nregistered at start-up\n", executor.execute(CodeBlock.python("print(1)")).output());
            }
            CodeResult batch = executor.execute(List.of(CodeBlock.python("print(1)"), CodeBlock.python("print(2)"),
                    CodeBlock.python("print(3)")));
            assertEquals(List.of("1", "registered at start-up", "2", "registered at start-up", "3", "registered at start-up"),
                    batch.output().lines().filter(line -> !line.startsWith("--- block")).toList(), batch.output());
        }
    }

    @Test
    void aServerIsReplacedWhenItsSitePackagesChange() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        Path extra = Files.createDirectories(temp.resolve("extra"));
        Files.writeString(extra.resolve("from_pth.py"), "NAME = 'found through a .pth file'\n");
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder().virtualEnv(venv).build())) {
            String before = executor.execute(CodeBlock.python(PARENT)).output();
            CodeResult install = executor.execute(CodeBlock.python(
                    "import site\nopen(site.getsitepackages()[0] + '/codebox_test.pth', 'w').write(" + quote(extra + "\n") + ")"));
            assertEquals(0, install.exitCode(), install.output());
            String after = executor.execute(CodeBlock.python(PARENT)).output();
            assertTrue(after.startsWith("True "), after);
            assertNotEquals(before, after, "a new server");
            CodeResult imported = executor.execute(CodeBlock.python("import from_pth\nprint(from_pth.NAME)"));
            assertEquals("found through a .pth file\n", imported.output());
        }
    }

    @Test
    void aBlockWhoseServerDiesEndsWithAMessageAndTheNextBlockGetsANewServer() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            CodeResult killed = executor.execute(CodeBlock.python("import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(0.5)\nprint('still printed')"));
            assertEquals(1, killed.exitCode(), killed.output());
            assertTrue(killed.output().contains("its fork server stopped"), killed.output());
            CodeResult next = executor.execute(CodeBlock.python(PARENT));
            assertEquals(0, next.exitCode(), next.output());
            assertTrue(next.output().startsWith("True "), next.output());
        }
    }

    @Test
    void connectionsThatNameNoBlockAreRefusedWithoutDisturbingBlocks() {
        String intruder = "import os, socket, re\n"
                + "cmd = open('/proc/%d/cmdline' % os.getppid(), 'rb').read().split(b'\\0')\n"
                + "path = [a for a in cmd if a.endswith(b'fork.sock')][0]\n"
                + "for payload in (b'0' * 32 + b'\\n', b'0' * 32 + b' 3\\n', b'garbage', b'x' * 100):\n"
                + "    s = socket.socket(socket.AF_UNIX)\n"
                + "    s.connect(path)\n"
                + "    s.sendall(payload)\n"
                + "    s.settimeout(3)\n"
                + "    try:\n"
                + "        print(s.recv(1) == b'')\n"
                + "    except ConnectionResetError:\n"
                + "        print(True)\n";
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            CodeResult result = executor.execute(CodeBlock.python(intruder));
            assertEquals("True\nTrue\nTrue\nTrue\n", result.output());
            assertEquals(0, result.exitCode(), "an exit report that names no block changes none");
            CodeResult next = executor.execute(CodeBlock.python("print('ok')"));
            assertEquals("ok\n", next.output());
            assertEquals(0, next.exitCode());
        }
    }

    @Test
    void aBlockHasReleasedItsFilesSocketsAndLocksWhenItsResultComes() throws Exception {
        // A block reports its exit before the kernel has torn it down: it closes every file first.
        Path lockFile = temp.resolve("lock");
        String holder = "import fcntl, os, socket\n"
                + "s = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nkept = os.dup(s.fileno())\n"
                + "lock = os.open(" + quote(lockFile.toString()) + ", os.O_WRONLY | os.O_CREAT)\nfcntl.lockf(lock, fcntl.LOCK_EX)\n"
                + "print(s.getsockname()[1])";
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            for (int i = 0; i < 20; i++) {
                Thread.sleep(20); // a prepared standby, as for a block after a pause
                CodeResult result = executor.execute(CodeBlock.python(holder));
                assertEquals(0, result.exitCode(), result.output());
                try (ServerSocket again = new ServerSocket();
                        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(result.output().strip())));
                    assertNotNull(channel.tryLock(), "the block's lock is released");
                }
            }
        }
    }

    @Test
    void concurrentBlocksAreForkedSideBySide() throws Exception {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            executor.start();
            List<CompletableFuture<CodeResult>> runs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String code = "import time\ntime.sleep(0.5)\nprint(" + i + ")";
                runs.add(CompletableFuture.supplyAsync(() -> executor.execute(CodeBlock.python(code))));
            }
            long start = System.nanoTime();
            for (int i = 0; i < runs.size(); i++) {
                assertEquals(i + "\n", runs.get(i).get(30, TimeUnit.SECONDS).output());
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "side by side, not one after the other");
        }
    }

    @Test
    void childrenForkedWhileABlockRunsTakeEveryCpuAtOnceAndTheServerKeepsToOne() throws Exception {
        String every = cpusAllowed(ProcessHandle.current().pid());
        assumeTrue(every.contains(",") || every.contains("-"), "one CPU only: nothing to spread over");
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            assertEquals("1\n", executor.execute(CodeBlock.python("print(1)")).output());
            CountDownLatch running = new CountDownLatch(1);
            CompletableFuture<CodeResult> slow = CompletableFuture.supplyAsync(() -> executor.execute(
                    List.of(CodeBlock.python("print('go', flush=True)\nimport time\ntime.sleep(4)")),
                    new CancellationToken(), (bytes, offset, length) -> running.countDown()));
            assertTrue(running.await(30, TimeUnit.SECONDS));
            // Beside the slow block: this one and the standby forked when it ends are spread.
            assertEquals("2\n", executor.execute(CodeBlock.python("print(2)")).output());
            ProcessHandle server = ProcessHandle.current().children()
                    .filter(p -> commandLine(p.pid()).contains("fork server")).findFirst().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (server.children().count() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<ProcessHandle> children = server.children().toList();
            assertEquals(2, children.size(), "the slow block and the next standby");
            assertFalse(cpusAllowed(server.pid()).contains(",") || cpusAllowed(server.pid()).contains("-"),
                    "the server keeps to one CPU: " + cpusAllowed(server.pid()));
            for (ProcessHandle child : children) {
                assertEquals(every, cpusAllowed(child.pid()), "the CPUs of the server's child " + child.pid());
            }
            assertEquals(0, slow.get(30, TimeUnit.SECONDS).exitCode());
        }
    }

    private static String cpusAllowed(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(line -> line.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                .substring("Cpus_allowed_list:".length()).trim();
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @ParameterizedTest(name = "forking: {0}")
    @ValueSource(booleans = {true, false})
    void aTimedOutBlockOfTheServerHasItsWholeTreeKilledAndCloseLeavesNothing(boolean forking) throws Exception {
        String marker = Processes.uniqueSleep();
        Path socketDir;
        long server;
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                config().pythonForkServer(forking).timeout(Duration.ofSeconds(1)).build())) {
            CodeResult result = executor.execute(CodeBlock.python(
                    "import subprocess, os\nprint(os.getppid(), flush=True)\nsubprocess.Popen(['sleep', '" + marker + "'])\n"
                            + "subprocess.run(['sleep', '" + marker + "'])"));
            assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode(), result.output());
            assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(2)).isEmpty(), "the block's processes are killed");
            server = Long.parseLong(result.output().lines().findFirst().orElseThrow().strip());
            String cmdline = Files.readString(Path.of("/proc/" + server + "/cmdline")).replace('\0', ' ');
            socketDir = Path.of(cmdline.replaceAll("(?s).* (\\S+)/fork\\.sock .*", "$1"));
            assertTrue(Files.isDirectory(socketDir), cmdline);
            assertEquals(0, executor.execute(CodeBlock.python("print(1)")).exitCode(), "the server serves on after a timeout");
        }
        assertFalse(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false), "the server stopped");
        assertFalse(Files.exists(socketDir), "its socket dir is removed");
    }

    @Test
    void aServerStillStartingIsKilledAtCloseWithTheHelpersOfItsShimNotWaitedFor() throws Exception {
        // An interpreter behind a slow shim (pyenv's takes a few hundred ms; this one much longer).
        String marker = Processes.uniqueSleep();
        Path shim = temp.resolve("python3");
        Files.writeString(shim, "#!/bin/sh\nsleep " + marker + "\nexec " + TestPython.path() + " \"$@\"\n");
        shim.toFile().setExecutable(true);
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().python(shim).build());
        executor.start();
        assertEquals("hi\n", executor.execute(CodeBlock.bash("echo hi")).output());
        assertEquals(1, Processes.awaitPresent(marker, Duration.ofSeconds(5)).size(), "the server is starting");
        long start = System.nanoTime();
        executor.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // Waiting for the server to read the end of its input would take at least the second close allows it.
        assertTrue(millis < 1000, "close took " + millis + " ms");
        assertEquals(List.of(), Processes.withMarker(marker), "the shim's helper is killed with it");
    }

    @Test
    void closingWhileConnectionsArriveFailsNothingAndLeavesNothing() throws Exception {
        // Connections (of standbys, or of code) may arrive at any time, also while the server closes.
        for (int round = 0; round < 30; round++) {
            ForkServer server = ForkServer.start(TestPython.path().toString(), temp, System.getenv(), Optional.empty(), true);
            String cmdline = Files.readString(Path.of("/proc/" + server.pid() + "/cmdline")).replace('\0', ' ');
            Path socket = Path.of(cmdline.replaceAll("(?s).* (\\S+/fork\\.sock) .*", "$1"));
            AtomicBoolean stop = new AtomicBoolean();
            Thread connector = new Thread(() -> {
                while (!stop.get()) {
                    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                        channel.write(ByteBuffer.wrap(new byte[] {'x'}));
                    } catch (IOException e) {
                        return; // the socket is gone
                    }
                }
            });
            connector.start();
            Thread.sleep(round % 5);
            try {
                server.close();
            } finally {
                stop.set(true);
                connector.join();
            }
            assertFalse(Files.exists(socket.getParent()), "the socket dir is removed");
            assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("codebox-fork-server-accept")).toList(), "the accepting thread ended");
        }
    }

    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}
