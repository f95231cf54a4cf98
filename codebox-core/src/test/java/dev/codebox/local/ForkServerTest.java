package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fork server's own behaviour; {@link ForkServerEquivalenceTest} compares what blocks see. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForkServerTest {

    /** Prints the command line of the block's parent: the fork server's has its source. */
    private static final String PARENT = "import os\nprint(open('/proc/%d/cmdline' % os.getppid(), 'rb').read().count(b'fork server') > 0, os.getppid())";

    @TempDir
    Path temp;

    private static LocalExecutorConfig.Builder config() {
        return LocalExecutorConfig.builder().python(TestPython.path());
    }

    @Test
    void pythonBlocksAreForkedFromOneServerByDefaultAndSpawnedWhenTurnedOff() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().build())) {
            String first = executor.execute(CodeBlock.python(PARENT)).output();
            String second = executor.execute(CodeBlock.python(PARENT)).output();
            assertTrue(first.startsWith("True "), first);
            assertEquals(first, second, "the same server forks every block");
        }
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().pythonForkServer(false).build())) {
            String output = executor.execute(CodeBlock.python(PARENT)).output();
            assertTrue(output.startsWith("False "), output);
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
                + "for payload in (b'0' * 32 + b'\\n', b'garbage', b'x' * 100):\n"
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
            assertEquals("True\nTrue\nTrue\n", result.output());
            assertEquals("ok\n", executor.execute(CodeBlock.python("print('ok')")).output());
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
    void aTimedOutForkedBlockHasItsWholeTreeKilledAndCloseLeavesNothing() throws Exception {
        String marker = Processes.uniqueSleep();
        Path socketDir;
        long server;
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config().timeout(Duration.ofSeconds(1)).build())) {
            CodeResult result = executor.execute(CodeBlock.python(
                    "import subprocess, os\nprint(os.getppid(), flush=True)\nsubprocess.Popen(['sleep', '" + marker.substring(6) + "'])\n"
                            + "subprocess.run(['sleep', '" + marker.substring(6) + "'])"));
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

    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}
