package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.testing.HostSocketServer;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The runner's Unix socket: only its owner may reach it, a connection must prove the container's
 * secret before anything is served, and the JVM never connects (again) through a path the code replaced.
 * The secret itself is out of the code's reach on either transport.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerRunnerSocketTest {

    private DockerCommandLineExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    private DockerCommandLineExecutor started() {
        executor = new DockerCommandLineExecutor(TestEngine.config().build());
        executor.start();
        return executor;
    }

    private static Path socketOf(Path workDir) throws IOException {
        try (Stream<Path> files = Files.list(workDir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".sock")).findFirst().orElseThrow();
        }
    }

    @Test
    void theWorkDirAndTheSocketAreTheOwnersOnly() throws Exception {
        Path workDir = started().workDir();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(workDir)));
        Path socket = socketOf(workDir);
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
    }

    @Test
    void aGivenWorkDirThatCodeboxCreatesIsTheOwnersOnly() throws Exception {
        Path parent = Files.createTempDirectory("codebox-given-");
        try {
            Path workDir = parent.resolve("a/b");
            executor = new DockerCommandLineExecutor(TestEngine.config().workDir(workDir).build());
            executor.start();
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(workDir)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(parent.resolve("a"))));
        } finally {
            executor.stop();
            executor = null;
            dev.codebox.internal.TempDirs.deleteRecursively(parent);
        }
    }

    /** A frame of the runner protocol: type, channel, length, payload. */
    private static ByteBuffer frame(char type, int channel, String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt(channel).putInt(payload.length).put(payload).flip();
    }

    @Test
    void aConnectionWithoutTheSecretIsNotServed() throws Exception {
        Path socket = socketOf(started().workDir());
        for (String auth : new String[] {"{\"op\":\"auth\",\"proof\":\"00\"}", "{\"op\":\"probe\"}", "[]"}) {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel.write(frame('Q', 0, "{\"op\":\"hello\"}"));
                ByteBuffer hello = ByteBuffer.allocate(4096);
                channel.read(hello);
                assertEquals('H', hello.get(0), "the runner answers a hello");
                ByteBuffer auth0 = frame('Q', 0, auth);
                ByteBuffer probe = frame('Q', 1, "{\"op\":\"probe\"}");
                ByteBuffer run = frame('Q', 3, "{\"op\":\"run\",\"argv\":[\"touch\",\"pwned\"]}");
                channel.write(ByteBuffer.allocate(auth0.remaining() + probe.remaining() + run.remaining())
                        .put(auth0).put(probe).put(run).flip());
                // The runner closes the connection: the end of the stream, or a reset for what it left unread.
                int read;
                try {
                    read = channel.read(ByteBuffer.allocate(4096));
                } catch (IOException reset) {
                    read = -1;
                }
                assertEquals(-1, read, "the runner answered an unauthenticated request");
            }
        }
        assertFalse(Files.exists(executor.workDir().resolve("pwned")));
        assertEquals("ok\n", executor.execute(CodeBlock.python("print('ok')")).output());
    }

    /**
     * The secret never goes into the container's environment: the Engine API shows that to anyone,
     * and PID 1 (docker's init) keeps it in a /proc/1/environ the code can read. It comes on the
     * runner's stdin, which an init command that reads stdin does not get either.
     */
    @ParameterizedTest
    @EnumSource(value = RunnerTransport.class, names = {"UNIX_SOCKET", "ATTACH"})
    void theSecretIsNowhereTheCodeOrTheEngineApiCanRead(RunnerTransport transport) {
        executor = new DockerCommandLineExecutor(TestEngine.config().transport(transport)
                .initCommand("cat > /tmp/init-stdin; sleep 1000 &").build());
        executor.start();
        String scan = "import glob, re\n"
                + "readable = 0\n"
                + "for name in glob.glob('/proc/[0-9]*/environ') + glob.glob('/proc/[0-9]*/cmdline') + ['/tmp/init-stdin']:\n"
                + "    try:\n"
                + "        data = open(name, 'rb').read()\n"
                + "    except OSError:\n"
                + "        continue\n"
                + "    readable += 1\n"
                + "    if re.search(rb'CODEBOX_RUNNER_SECRET=[0-9a-f]{64}', data):\n"
                + "        print('found in', name)\n"
                + "print('read', readable > 4)\n";
        CodeResult result = executor.execute(CodeBlock.python(scan));
        assertEquals("read True\n", result.output(), "the secret in a file the code can read");
        assertTrue(Stream.of(TestEngine.client().inspectContainerCmd(executor.containerId()).exec().getConfig().getEnv())
                .noneMatch(variable -> variable.startsWith("CODEBOX_RUNNER_SECRET")), "the secret in the container's spec");
    }

    @Test
    void aSocketReplacedByTheCodeIsNeverConnected() throws Exception {
        executor = new DockerCommandLineExecutor(TestEngine.config().timeout(Duration.ofSeconds(3)).build());
        executor.start();
        Path workDir = executor.workDir();
        try (HostSocketServer host = HostSocketServer.start()) {
            String name = socketOf(workDir).getFileName().toString();
            // The code swaps the socket for a link to a host socket, then stops the runner: the block's
            // kill is not confirmed, so the JVM drops its connection and must connect again.
            CodeResult swapped = executor.execute(CodeBlock.python("import os, signal, time\n"
                    + "os.rename('" + name + "', 'kept.sock')\n"
                    + "os.symlink('" + host.path() + "', '" + name + "')\n"
                    + "def cmdline(pid):\n"
                    + "    try:\n"
                    + "        return open('/proc/%s/cmdline' % pid, 'rb').read()\n"
                    + "    except OSError:\n"
                    + "        return b''\n"
                    + "runner = [int(p) for p in os.listdir('/proc') if p.isdigit() and p != '1' and b'" + name + "' in cmdline(p)]\n"
                    + "print('swapped', len(runner), flush=True)\n"
                    + "time.sleep(0.5)\n" // the runner relays the line before it stops
                    + "os.kill(runner[0], signal.SIGSTOP)\n"
                    + "time.sleep(60)"));
            assertTrue(swapped.timedOut(), swapped.output());
            assertTrue(swapped.output().startsWith("swapped 1"), swapped.output());

            CodeExecutorException refused = assertThrows(CodeExecutorException.class,
                    () -> executor.execute(CodeBlock.python("print('should not run')")));
            assertEquals(CodeExecutorException.Reason.UNTRUSTED_PEER, refused.reason());
            assertTrue(refused.getMessage().contains("refusing to connect to the runner"), refused.getMessage());
            assertTrue(refused.getMessage().contains("not a socket"), refused.getMessage());
            assertEquals(0, host.accepted(), "the JVM connected to the host socket the link pointed to");
        }
    }
}
