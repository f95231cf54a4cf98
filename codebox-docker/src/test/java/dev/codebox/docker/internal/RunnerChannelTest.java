package dev.codebox.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.OutputListener;
import dev.codebox.internal.OutputSink;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's side of the runner protocol against a peer that misbehaves: every bad frame is a
 * {@link RunnerChannel.ProtocolException}, never an unchecked exception, a hang or a huge allocation.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunnerChannelTest {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private final RunnerSecret secret = RunnerSecret.generate();

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private Path listen() throws IOException {
        if (server != null) {
            server.close();
        }
        Path socket = dir.resolve("r" + System.nanoTime() + ".sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return socket;
    }

    /** A peer that says {@code hello}, then sends {@code frames} once it has read the client's lines. */
    private Path peer(byte[] hello, byte[]... frames) throws IOException {
        Path socket = listen();
        Thread thread = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                client.write(ByteBuffer.wrap(hello));
                client.read(ByteBuffer.allocate(4096));
                for (byte[] frame : frames) {
                    client.write(ByteBuffer.wrap(frame));
                }
                Thread.sleep(2000);
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        });
        thread.setDaemon(true);
        thread.start();
        return socket;
    }

    private static byte[] frame(char type, byte[] payload) {
        return frame(type, payload.length, payload);
    }

    private static byte[] frame(char type, int length, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(length).put(payload).array();
    }

    private byte[] goodHello() {
        return frame('H', ("{\"protocol\":1,\"proof\":\"" + secret.proof(RunnerSecret.RUNNER) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private RunnerChannel open(Path socket) throws IOException {
        return RunnerChannel.open(socket, secret, Optional.empty(), 2000, TIMER);
    }

    private RunnerChannel.ProtocolException runFails(Path socket) throws IOException {
        try (RunnerChannel channel = open(socket)) {
            channel.startRun(List.of("true"));
            return assertThrows(RunnerChannel.ProtocolException.class,
                    () -> channel.readOutput(new OutputSink(1024, OutputListener.NONE)));
        }
    }

    @Test
    void aZeroLengthExitFrameIsAProtocolError() throws Exception {
        RunnerChannel.ProtocolException e = runFails(peer(goodHello(), frame('X', new byte[0])));
        assertTrue(e.getMessage().contains("'X' with 0 bytes"), e.getMessage());
    }

    @Test
    void anOversizedFrameIsRefusedBeforeAnyAllocation() throws Exception {
        RunnerChannel.ProtocolException e = runFails(peer(goodHello(), frame('O', Integer.MAX_VALUE, new byte[0])));
        assertTrue(e.getMessage().contains(Integer.toString(Integer.MAX_VALUE)), e.getMessage());
        e = runFails(peer(goodHello(), frame('O', -1, new byte[0])));
        assertTrue(e.getMessage().contains("-1 bytes"), e.getMessage());
    }

    @Test
    void anUnexpectedFrameTypeIsAProtocolError() throws Exception {
        RunnerChannel.ProtocolException e = runFails(peer(goodHello(), frame('R', "{}".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("unexpected type 'R'"), e.getMessage());
    }

    @Test
    void aPeerWithoutTheSecretIsNotTheRunner() throws Exception {
        Path socket = peer(frame('H', "{\"protocol\":1,\"proof\":\"00\"}".getBytes(StandardCharsets.UTF_8)));
        RunnerChannel.ProtocolException e = assertThrows(RunnerChannel.ProtocolException.class, () -> open(socket));
        assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
    }

    @Test
    void aPeerThatNeverSaysHelloIsLeftAfterTheHandshakeTimeout() throws Exception {
        Path socket = listen(); // accepts into the backlog, never answers
        long t0 = System.nanoTime();
        assertThrows(IOException.class, () -> open(socket));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);
    }

    @Test
    void aLinkOrAFileIsNeverConnected() throws Exception {
        Path socket = listen();
        Path link = Files.createSymbolicLink(dir.resolve("link.sock"), socket);
        RunnerChannel.UntrustedSocketException e = assertThrows(RunnerChannel.UntrustedSocketException.class,
                () -> open(link));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        Path file = Files.writeString(dir.resolve("file.sock"), "");
        assertThrows(RunnerChannel.UntrustedSocketException.class, () -> open(file));
        assertThrows(RunnerChannel.UntrustedSocketException.class,
                () -> RunnerChannel.open(socket, secret, Optional.of(12345), 2000, TIMER));
    }

    @Test
    void theSecretIsNeverShown() {
        assertEquals("RunnerSecret[hidden]", secret.toString());
        assertTrue(secret.environmentEntry().startsWith(RunnerSecret.VARIABLE + "="));
    }
}
