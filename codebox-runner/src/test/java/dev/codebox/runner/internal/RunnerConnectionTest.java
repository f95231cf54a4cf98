package dev.codebox.runner.internal;

import static dev.codebox.runner.internal.RunnerPeer.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.OutputListener;
import dev.codebox.internal.OutputSink;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's side of the runner protocol against a peer that misbehaves: every bad frame is a
 * {@link RunnerConnection.ProtocolException} that ends the connection and fails its calls, never an
 * unchecked exception, a hang or a huge allocation.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunnerConnectionTest {

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
        Path socket = dir.resolve("r" + System.nanoTime() + ".sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return socket;
    }

    /**
     * A peer that answers the client's hello with {@code hello}, accepts its authentication, and
     * sends {@code frames} once the client's first request (channel 1) came.
     */
    private Path peer(byte[] hello, byte[]... frames) throws IOException {
        Path socket = listen();
        RunnerPeer.serve(server, hello, new CountDownLatch(1), 2000, frames);
        return socket;
    }

    private byte[] goodHello() {
        return RunnerPeer.hello(secret);
    }

    private RunnerConnection open(Path socket) throws IOException {
        return RunnerConnection.open(RunnerStream.unixSocket(socket, Optional.empty()), secret, false, 2000, TIMER, "test");
    }

    /** Runs a command against the peer: the run must fail with a protocol error, and the connection end. */
    private RunnerConnection.ProtocolException runFails(Path socket) throws IOException {
        try (RunnerConnection connection = open(socket)) {
            RunnerConnection.Run run = connection.run(Map.of("op", "run", "argv", List.of("true")),
                    new OutputSink(1024, OutputListener.NONE));
            RunnerConnection.ProtocolException e = assertThrows(RunnerConnection.ProtocolException.class, run::await);
            assertFalse(connection.isOpen());
            assertThrows(RunnerConnection.ProtocolException.class, () -> connection.request(Map.of("op", "ping"), null, null),
                    "a broken connection takes no more requests");
            return e;
        }
    }

    @Test
    void aZeroLengthExitFrameIsAProtocolError() throws Exception {
        RunnerConnection.ProtocolException e = runFails(peer(goodHello(), frame('X', 1, new byte[0])));
        assertTrue(e.getMessage().contains("'X' with 0 bytes"), e.getMessage());
    }

    @Test
    void anOversizedFrameIsRefusedBeforeAnyAllocation() throws Exception {
        RunnerConnection.ProtocolException e = runFails(peer(goodHello(), frame('O', 1, Integer.MAX_VALUE, new byte[0])));
        assertTrue(e.getMessage().contains(Integer.toString(Integer.MAX_VALUE)), e.getMessage());
        e = runFails(peer(goodHello(), frame('O', 1, -1, new byte[0])));
        assertTrue(e.getMessage().contains("-1 bytes"), e.getMessage());
    }

    @Test
    void aFrameTheCallDoesNotTakeIsAProtocolError() throws Exception {
        RunnerConnection.ProtocolException e = runFails(peer(goodHello(), frame('R', 1, "{}".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("type 'R' on channel 1, which does not take it"), e.getMessage());
    }

    @Test
    void aFrameOnAChannelThatIsNotOpenIsAProtocolError() throws Exception {
        RunnerConnection.ProtocolException e = runFails(peer(goodHello(), frame('O', 7, "x".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("on channel 7, which is not open"), e.getMessage());
    }

    @Test
    void aReplyThatIsNotJsonFailsTheRequestAndEndsTheConnection() throws Exception {
        Path socket = peer(goodHello(), frame('R', 1, "{not json".getBytes(StandardCharsets.UTF_8)));
        try (RunnerConnection connection = open(socket)) {
            RunnerConnection.ProtocolException e = assertThrows(RunnerConnection.ProtocolException.class,
                    () -> connection.request(Map.of("op", "ping"), null, null));
            assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
            assertFalse(connection.isOpen());
        }
    }

    @Test
    void outputAndExitOfARunArriveOnItsChannel() throws Exception {
        Path socket = peer(goodHello(), frame('O', 1, "hi\n".getBytes(StandardCharsets.UTF_8)),
                frame('X', 1, new byte[] {0, 0, 0, 3, 1}));
        try (RunnerConnection connection = open(socket)) {
            OutputSink sink = new OutputSink(1024, OutputListener.NONE);
            RunnerConnection.Exit exit = connection.run(Map.of("op", "run", "argv", List.of("true")), sink).await();
            assertEquals(new RunnerConnection.Exit(3, true, false, false), exit);
            assertTrue(connection.isOpen());
        }
    }

    @Test
    void anExitMayCarryTheListingOfTheWorkDir() throws Exception {
        byte[] listing = "{\"files\":{\"out.txt\":\"1:2\"}}".getBytes(StandardCharsets.UTF_8);
        Path socket = peer(goodHello(), frame('X', 1, ByteBuffer.allocate(5 + listing.length).putInt(0).put((byte) 0).put(listing).array()));
        try (RunnerConnection connection = open(socket)) {
            RunnerConnection.Run run = connection.run(Map.of("op", "run", "argv", List.of("true"), "list", 10),
                    new OutputSink(1024, OutputListener.NONE));
            RunnerConnection.Exit exit = run.await();
            assertEquals(0, exit.code());
            assertEquals("1:2", exit.listing().orElseThrow().path("files").path("out.txt").asText());
            assertEquals(exit.listing(), run.listing());
        }
    }

    @Test
    void anExitWhoseListingIsNotAJsonObjectIsAProtocolError() throws Exception {
        RunnerConnection.ProtocolException e = runFails(peer(goodHello(), frame('X', 1, new byte[] {0, 0, 0, 0, 0, '[', '1', ']'})));
        assertTrue(e.getMessage().contains("listing at the end of the run on channel 1 is not a JSON object"), e.getMessage());
        e = runFails(peer(goodHello(), frame('X', 1, new byte[] {0, 0, 0, 0, 0, '{'})));
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void aPeerWithoutTheSecretIsNotTheRunner() throws Exception {
        Path socket = peer(frame('H', 0, ("{\"protocol\":" + RunnerConnection.PROTOCOL + ",\"proof\":\"00\"}").getBytes(StandardCharsets.UTF_8)));
        RunnerConnection.ProtocolException e = assertThrows(RunnerConnection.ProtocolException.class, () -> open(socket));
        assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
    }

    @Test
    void aPeerOfAnotherVersionIsRefused() throws Exception {
        Path socket = peer(frame('H', 0, ("{\"protocol\":1,\"proof\":\"" + secret.proof(RunnerSecret.RUNNER) + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        RunnerConnection.ProtocolException e = assertThrows(RunnerConnection.ProtocolException.class, () -> open(socket));
        assertTrue(e.getMessage().contains("speaks protocol 1, not " + RunnerConnection.PROTOCOL), e.getMessage());
    }

    @Test
    void aReattachedStreamSkipsWhatCameBeforeTheHello() throws Exception {
        byte[] garbage = frame('O', 9, "tail of an old frame".getBytes(StandardCharsets.UTF_8));
        byte[] hello = goodHello();
        Path socket = peer(ByteBuffer.allocate(3 + garbage.length + hello.length).put(new byte[] {'H', 0, 0})
                .put(garbage).put(hello).array(), frame('R', 1, "{}".getBytes(StandardCharsets.UTF_8)));
        try (RunnerConnection connection = RunnerConnection.open(RunnerStream.unixSocket(socket, Optional.empty()),
                secret, true, 2000, TIMER, "test")) {
            assertTrue(connection.request(Map.of("op", "ping"), null, null).isObject());
        }
    }

    @Test
    void aPeerThatNeverSaysHelloIsLeftAfterTheHandshakeTimeout() throws Exception {
        Path socket = listen(); // accepts into the backlog, never answers
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> open(socket));
        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);
    }

    @Test
    void aLinkOrAFileIsNeverConnected() throws Exception {
        Path socket = listen();
        Path link = Files.createSymbolicLink(dir.resolve("link.sock"), socket);
        RunnerConnection.UntrustedSocketException e = assertThrows(RunnerConnection.UntrustedSocketException.class,
                () -> RunnerStream.unixSocket(link, Optional.empty()));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        Path file = Files.writeString(dir.resolve("file.sock"), "");
        assertThrows(RunnerConnection.UntrustedSocketException.class, () -> RunnerStream.unixSocket(file, Optional.empty()));
        assertThrows(RunnerConnection.UntrustedSocketException.class, () -> RunnerStream.unixSocket(socket, Optional.of(12345)));
    }

    @Test
    void theSecretIsNeverShown() {
        assertEquals("RunnerSecret[hidden]", secret.toString());
        String line = new String(secret.firstLine(), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(line.matches(RunnerSecret.VARIABLE + "=[0-9a-f]{64}\n"), "a line of 64 hex digits");
    }

    @Test
    void aProbeThatIsNotAnsweredFailsTheOpenInTime() throws Exception {
        Path socket = peer(goodHello()); // handshakes, then answers nothing for 2 s
        long start = System.nanoTime();
        IOException error = assertThrows(IOException.class, () -> RunnerConnection.openProbed(
                RunnerStream.unixSocket(socket, Optional.empty()), secret, false, 300, TIMER, "test"));
        assertTrue(error.getMessage().contains("did not answer its probe"), error.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500), "failed after the deadline");
    }

    @Test
    void aFileThatShrinksWhileItIsWrittenFailsTheWriteAtOnce() throws Exception {
        try (RunnerConnection connection = open(peer(goodHello()))) {
            long start = System.nanoTime();
            IOException error = assertThrows(IOException.class, () -> connection.write("f.txt",
                    new java.io.ByteArrayInputStream(new byte[10]), 100, false, false));
            assertTrue(error.getMessage().contains("f.txt became 90 bytes shorter while it was copied"), error.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1000), "failed late");
            assertTrue(connection.isOpen(), "only that write failed");
        }
    }
}
