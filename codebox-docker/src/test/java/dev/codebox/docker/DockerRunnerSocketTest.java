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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runner's Unix socket: only its owner may reach it, a connection must prove the container's
 * secret before anything is served, and the JVM never connects through a path the code replaced.
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

    @Test
    void aConnectionWithoutTheSecretIsNotServed() throws Exception {
        Path socket = socketOf(started().workDir());
        for (String auth : new String[] {"{\"op\":\"auth\",\"proof\":\"00\"}\n", "{\"op\":\"probe\"}\n", "\n"}) {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ByteBuffer hello = ByteBuffer.allocate(4096);
                channel.read(hello);
                assertEquals('H', hello.get(0), "the runner says hello first");
                channel.write(ByteBuffer.wrap((auth + "{\"op\":\"probe\"}\n{\"op\":\"run\",\"argv\":[\"touch\",\"pwned\"]}\n")
                        .getBytes(StandardCharsets.UTF_8)));
                ByteBuffer rest = ByteBuffer.allocate(4096);
                assertEquals(-1, channel.read(rest), "the runner answered an unauthenticated request");
            }
        }
        assertFalse(Files.exists(executor.workDir().resolve("pwned")));
        assertEquals("ok\n", executor.execute(CodeBlock.python("print('ok')")).output());
    }

    @Test
    void aSocketReplacedByTheCodeIsNeverConnected() throws Exception {
        Path workDir = started().workDir();
        try (HostSocketServer host = HostSocketServer.start()) {
            String name = socketOf(workDir).getFileName().toString();
            CodeResult swapped = executor.execute(CodeBlock.python("import os\n"
                    + "os.rename('" + name + "', 'kept.sock')\n"
                    + "os.symlink('" + host.path() + "', '" + name + "')\nprint('swapped')"));
            assertEquals("swapped\n", swapped.output());

            CodeExecutorException refused = assertThrows(CodeExecutorException.class,
                    () -> executor.execute(CodeBlock.python("print('should not run')")));
            assertEquals(CodeExecutorException.Reason.UNTRUSTED_PEER, refused.reason());
            assertTrue(refused.getMessage().contains("refusing to connect to the runner"), refused.getMessage());
            assertTrue(refused.getMessage().contains("not a socket"), refused.getMessage());
            assertEquals(0, host.accepted(), "the JVM connected to the host socket the link pointed to");
        }
    }
}
