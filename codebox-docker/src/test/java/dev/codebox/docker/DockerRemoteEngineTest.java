package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.WorkDirCopies;
import dev.codebox.testing.TempEntries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor against an engine that shares no files and no network with this JVM (the
 * remote-like engine of scripts/setup-env.sh: its own mount and network namespaces, its API on TCP
 * and on a Unix socket), and against one that is not there.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DockerRemoteEngineTest {

    /** The remote-like engine's own API socket: a local Unix socket of an engine that shares no files. */
    private static final String REMOTE_SOCKET = "unix:///run/docker-remote.sock";

    @TempDir
    Path dir;
    private DockerCommandLineExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
        assertTrue(TestEngine.remoteContainersOfThisJvm().isEmpty(), "a container is left on the remote engine");
    }

    private DockerCommandLineExecutor started(DockerExecutorConfig.Builder config) {
        executor = new DockerCommandLineExecutor(config.build());
        executor.start();
        return executor;
    }

    @Test
    void autoUsesTheAttachStreamAndACopiedWorkDirAndOutputFilesArriveOnTheHost() throws IOException {
        started(TestEngine.remoteConfig());
        assertEquals(RunnerTransport.ATTACH, executor.transport());
        assertEquals(WorkDirMode.COPY, executor.workDirMode());
        CodeResult result = executor.execute(CodeBlock.python("import os\n"
                + "os.makedirs('out', exist_ok=True)\n"
                + "open('out/result.txt', 'w').write('made remotely')\n"
                + "print(os.getcwd())"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("/workspace", result.output().strip());
        Path copied = executor.workDir().resolve("out/result.txt");
        assertTrue(result.outputFiles().contains(copied), result.outputFiles().toString());
        assertEquals("made remotely", Files.readString(copied));
    }

    @Test
    void autoFallsBackAtOnceOnALocalSocketEngineThatDoesNotShareTheWorkDir() {
        long started = System.nanoTime();
        started(TestEngine.remoteConfig().dockerHost(REMOTE_SOCKET));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(RunnerTransport.ATTACH, executor.transport());
        assertEquals(WorkDirMode.COPY, executor.workDirMode());
        // Not the start timeout's 60 s: the first container saw at once that the directory is not the JVM's.
        assertTrue(took.compareTo(DockerExecutorConfig.DEFAULT_START_TIMEOUT.dividedBy(4)) < 0, "started after " + took);
        assertEquals("42", executor.execute(CodeBlock.python("print(6 * 7)")).output().strip());
    }

    @Test
    void aBindMountOnAnEngineThatDoesNotShareTheWorkDirFailsStartAtOnceAndLeavesNothing() throws IOException {
        Set<Path> tempBefore = TempEntries.ofThisJvm();
        DockerCommandLineExecutor bind = new DockerCommandLineExecutor(TestEngine.remoteConfig()
                .workDirMode(WorkDirMode.BIND).build());
        long started = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, bind::start);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(CodeExecutorException.Reason.WORK_DIR, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("the Docker engine at " + TestEngine.REMOTE_HOST + " (from the configuration (dockerHost))"
                + " does not see /"), e.getMessage());
        assertTrue(took.compareTo(DockerExecutorConfig.DEFAULT_START_TIMEOUT.dividedBy(4)) < 0, "failed after " + took);
        assertEquals(tempBefore, TempEntries.ofThisJvm(), "a temporary dir is left");
    }

    @Test
    void copyInAndCopyOutMoveFilesThroughTheRunner() throws IOException {
        started(TestEngine.remoteConfig());
        byte[] content = new byte[10 << 20];
        new Random(7).nextBytes(content);
        Path source = Files.write(dir.resolve("in.bin"), content);
        executor.copyIn(source, "/workspace/data/in.bin");
        CodeResult result = executor.execute(CodeBlock.python("import hashlib\n"
                + "print(hashlib.sha256(open('data/in.bin', 'rb').read()).hexdigest())"));
        assertEquals(sha256(content), result.output().strip());
        Path back = dir.resolve("back/out.bin");
        executor.copyOut("data/in.bin", back);
        assertArrayEquals(content, Files.readAllBytes(back));
    }

    @Test
    void copiesOutOfTheContainerAreBoundedWhateverSizeTheCodeGivesAFile() throws IOException {
        started(TestEngine.remoteConfig().workDirBytes(8L << 20));
        // Sparse files cost the code nothing; copied out, they would be terabytes on the host.
        CodeResult result = executor.execute(CodeBlock.bash("echo small > a.txt && truncate -s 1T b.bin && echo after > c.txt"));
        assertEquals(0, result.exitCode(), result.output());
        Path workDir = executor.workDir();
        assertTrue(result.outputFiles().contains(workDir.resolve("a.txt")), result.outputFiles().toString());
        assertFalse(result.outputFiles().contains(workDir.resolve("b.bin")), result.outputFiles().toString());
        assertFalse(Files.exists(workDir.resolve("b.bin")));

        Path target = dir.resolve("back/b.bin");
        WorkDirCopies.TooLargeException tooLarge = assertThrows(WorkDirCopies.TooLargeException.class,
                () -> executor.copyOut("b.bin", target, 1024));
        assertTrue(tooLarge.getMessage().contains("larger than 1024 bytes"), tooLarge.getMessage());
        try (var left = Files.list(target.getParent())) {
            assertEquals(List.of(), left.toList(), "nothing is left of the refused copy");
        }
        executor.copyOut("a.txt", target, 1024);
        assertEquals("small\n", Files.readString(target));
    }

    @Test
    void aTreeDeeperThanTheListingGoesDoesNotBreakTheRunner() {
        started(TestEngine.remoteConfig());
        // The runner lists the work dir after each execution: 1,500 levels are beyond Python's recursion limit.
        CodeResult deep = executor.execute(CodeBlock.python("import os\n"
                + "open('top.txt', 'w').write('t')\n"
                + "for _ in range(1500):\n"
                + "    os.mkdir('d')\n"
                + "    os.chdir('d')\n"
                + "open('bottom.txt', 'w').write('b')"));
        assertEquals(0, deep.exitCode(), deep.output());
        assertTrue(deep.outputFiles().contains(executor.workDir().resolve("top.txt")), deep.outputFiles().toString());
        assertEquals("next", executor.execute(CodeBlock.python("print('next')")).output().strip());
    }

    @Test
    void copiesNeverFollowALinkInTheContainer() throws IOException {
        started(TestEngine.remoteConfig());
        CodeResult result = executor.execute(CodeBlock.bash("ln -s /etc/passwd passwd && ln -s /tmp tmplink && echo done"));
        assertEquals(0, result.exitCode(), result.output());
        assertThrows(NoSuchFileException.class, () -> executor.copyOut("passwd", dir.resolve("passwd")));
        assertFalse(Files.exists(dir.resolve("passwd")));
        Path source = Files.writeString(dir.resolve("x.txt"), "planted");
        IOException e = assertThrows(IOException.class, () -> executor.copyIn(source, "tmplink/x.txt"));
        assertTrue(e.getMessage().contains("leads out of /workspace"), e.getMessage());
        assertEquals("absent", executor.execute(CodeBlock.bash("test -e /tmp/x.txt && echo present || echo absent"))
                .output().strip());
        assertThrows(IllegalArgumentException.class, () -> executor.copyIn(source, "/etc/x.txt"));
        assertThrows(IllegalArgumentException.class, () -> executor.copyOut("../etc/passwd", dir.resolve("p")));
    }

    @Test
    void aGigabyteOfOutputOverTheAttachStreamIsCappedAndTheExecutorGoesOn() {
        started(TestEngine.remoteConfig().maxOutputBytes(64 * 1024));
        CodeResult result = executor.execute(CodeBlock.python("import os\n"
                + "chunk = b'x' * 65536\n"
                + "for _ in range(16384):\n"
                + "    os.write(1, chunk)"));
        assertEquals(0, result.exitCode());
        assertTrue(result.output().length() < 70 * 1024, "output of " + result.output().length() + " chars");
        assertEquals("next", executor.execute(CodeBlock.python("print('next')")).output().strip());
    }

    @Test
    void garbageOnTheAttachStreamEndsTheExecutorWithAClearError() {
        started(TestEngine.remoteConfig());
        // Code of the container's user can write to the container's stdout through PID 1 (docker's init).
        CodeResult result = executor.execute(CodeBlock.python("import time\n"
                + "with open('/proc/1/fd/1', 'wb') as out:\n"
                + "    out.write(b'Z' * 64)\n"
                + "time.sleep(5)"));
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("the runner broke the protocol"), result.output());
        CodeExecutorException e = assertThrows(CodeExecutorException.class,
                () -> executor.execute(CodeBlock.python("print(1)")));
        assertEquals(CodeExecutorException.Reason.UNTRUSTED_PEER, e.reason());
        assertTrue(e.getMessage().contains("broke the protocol") && e.getMessage().contains("serves no more"), e.getMessage());
    }

    @Test
    void aContainerRemovedWhileABlockRunsSaysSoAndIsCreatedAgain() throws Exception {
        started(TestEngine.remoteConfig());
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<CodeResult> block = CompletableFuture.supplyAsync(() -> executor.execute(
                List.of(CodeBlock.python("import time\nprint('started', flush=True)\ntime.sleep(60)")),
                new CancellationToken(), (bytes, offset, length) -> running.countDown()));
        assertTrue(running.await(20, TimeUnit.SECONDS));
        TestEngine.remote().removeContainerCmd(executor.containerId()).withForce(true).exec();
        CodeResult result = block.get(20, TimeUnit.SECONDS);
        assertEquals(1, result.exitCode());
        // The engine kills a container before it removes it: either state may be the one seen.
        assertTrue(result.output().contains("codebox: the block did not finish: container " + executor.containerName()),
                result.output());
        assertEquals("back", executor.execute(CodeBlock.python("print('back')")).output().strip());
    }

    @Test
    void anEngineThatBecomesUnreachableMidBlockEndsTheBlockThenSaysSoAndIsReattachedWhenBack() throws Exception {
        // A TCP front of the remote engine's socket that this test starts, kills mid-block, and starts again.
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process front = startFront(port);
        String containerId = null;
        try {
            started(TestEngine.remoteConfig().dockerHost("tcp://127.0.0.1:" + port));
            containerId = executor.containerId();
            CountDownLatch running = new CountDownLatch(1);
            // A process of its own session holds the block's output open: the runner is still draining
            // it (about a second) after the block was killed, when the reattached executor runs again.
            CompletableFuture<CodeResult> block = CompletableFuture.supplyAsync(() -> executor.execute(
                    List.of(CodeBlock.python("import subprocess, time\nsubprocess.Popen(['sleep', '30'], start_new_session=True)\n"
                            + "print('started', flush=True)\ntime.sleep(60)")),
                    new CancellationToken(), (bytes, offset, length) -> running.countDown()));
            assertTrue(running.await(20, TimeUnit.SECONDS));
            front.descendants().forEach(ProcessHandle::destroyForcibly);
            front.destroyForcibly().waitFor();
            CodeResult result = block.get(20, TimeUnit.SECONDS);
            assertEquals(1, result.exitCode());
            assertTrue(result.output().contains("codebox: the block did not finish: the Docker engine does not answer"),
                    result.output());
            CodeExecutorException e = assertThrows(CodeExecutorException.class,
                    () -> executor.execute(CodeBlock.python("print(1)")));
            assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("tcp://127.0.0.1:" + port), e.getMessage());

            // The engine's API is back and the container lived on: the executor attaches to it again.
            // The new attachment numbers its channels as the first did; the killed block's late end
            // must not end the block that now has its channel.
            front = startFront(port);
            CodeResult back = executor.execute(CodeBlock.python("import time\ntime.sleep(2)\nprint('back')"));
            assertEquals("back", back.output().strip(), back.output());
            assertEquals(0, back.exitCode(), back.output());
            assertEquals(containerId, executor.containerId(), "the same container, attached again");
        } finally {
            front.descendants().forEach(ProcessHandle::destroyForcibly);
            front.destroyForcibly();
            if (containerId != null) {
                TestEngine.remote().removeContainerCmd(containerId).withForce(true).exec(); // its engine is still there
            }
        }
    }

    private static Process startFront(int port) throws IOException, InterruptedException {
        Process front = new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,nodelay",
                "UNIX-CONNECT:/run/docker-remote.sock").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        waitForPort(port);
        return front;
    }

    private static void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket ignored = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("socat did not listen on " + port);
    }

    @Test
    void aTlsSettingWithoutCertificatesOrThatTheEngineDoesNotSpeakFailsStartWithTheReason() throws Exception {
        // DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are read as the docker CLI reads them (here: as system properties).
        DockerExecutorConfig config = TestEngine.remoteConfig().build(); // checks the engine before TLS is asked for
        Path certs = Files.createDirectories(dir.resolve("certs"));
        System.setProperty("DOCKER_TLS_VERIFY", "1");
        System.setProperty("DOCKER_CERT_PATH", certs.toString());
        try {
            executor = new DockerCommandLineExecutor(config);
            CodeExecutorException missing = assertThrows(CodeExecutorException.class, executor::start);
            assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, missing.reason(), missing.getMessage());
            assertTrue(missing.getMessage().startsWith("DOCKER_TLS_VERIFY asks for TLS with " + TestEngine.REMOTE_HOST)
                    && missing.getMessage().contains(certs + " (DOCKER_CERT_PATH) lacks ca.pem, cert.pem, key.pem"),
                    missing.getMessage());

            Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=codebox-test", "-keyout", "key.pem", "-out", "cert.pem").directory(certs.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals(0, openssl.waitFor());
            Files.copy(certs.resolve("cert.pem"), certs.resolve("ca.pem"));
            long started = System.nanoTime();
            CodeExecutorException plain = assertThrows(CodeExecutorException.class, executor::start);
            assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, plain.reason(), plain.getMessage());
            assertTrue(plain.getMessage().startsWith("the Docker engine is not reachable at " + TestEngine.REMOTE_HOST),
                    plain.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 30);
        } finally {
            System.clearProperty("DOCKER_TLS_VERIFY");
            System.clearProperty("DOCKER_CERT_PATH");
        }
    }

    @Test
    void anUnreachableEngineSaysWhereItLookedAndHowItFoundTheAddress() {
        CodeExecutorException e = assertThrows(CodeExecutorException.class, () -> new DockerCommandLineExecutor(
                DockerExecutorConfig.builder().image(TestEngine.IMAGE).dockerHost("tcp://127.0.0.1:1").build()).start());
        assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason());
        assertTrue(e.getMessage().startsWith("the Docker engine is not reachable at tcp://127.0.0.1:1 (from the configuration (dockerHost))"),
                e.getMessage());
    }

    private static String sha256(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
