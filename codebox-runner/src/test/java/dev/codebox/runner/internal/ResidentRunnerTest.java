package dev.codebox.runner.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codebox.CancellationToken;
import dev.codebox.OutputListener;
import dev.codebox.internal.OutputSink;
import dev.codebox.spi.RunOutcome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The runner's deadlines against a runner that stops reading its connection (a stopped or paused container). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResidentRunnerTest {

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

    /**
     * A runner that completes the handshake, reads one request (counting {@code requestRead} down)
     * and then reads nothing more, its connection open.
     */
    private Path deafRunner(CountDownLatch requestRead) throws IOException {
        Path socket = dir.resolve("r.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        RunnerPeer.serve(server, RunnerPeer.hello(secret), requestRead, 60_000);
        return socket;
    }

    @Test
    void aTimeoutEndsTheRunWhileAnotherCallHoldsTheBlockedWriter() throws Exception {
        CountDownLatch requestRead = new CountDownLatch(1);
        RunnerConnection connection = RunnerConnection.open(RunnerStream.unixSocket(deafRunner(requestRead), Optional.empty()),
                secret, false, 2000, ResidentRunner.TIMER, "test");
        ResidentRunner runner = new ResidentRunner(new FakeHost(connection, dir), true, "image", 0);
        OutputSink sink = new OutputSink(1024, OutputListener.NONE);
        CompletableFuture<RunOutcome> run = CompletableFuture.supplyAsync(
                () -> runner.run(List.of("sleep", "100"), sink, Duration.ofSeconds(1), new CancellationToken()));
        requestRead.await();
        // Another call of the same connection: 16 MiB the runner never reads keep its writer blocked.
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                connection.write("big", new ByteArrayInputStream(new byte[16 << 20]), 16 << 20, false, false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        assertEquals(RunOutcome.timedOut(), run.get(10, TimeUnit.SECONDS));
        assertThrows(Exception.class, () -> write.get(10, TimeUnit.SECONDS)); // the connection was dropped
        // The shared timer still serves every other runner's deadlines.
        ResidentRunner.TIMER.schedule(() -> { }, 0, TimeUnit.MILLISECONDS).get(1, TimeUnit.SECONDS);
    }

    @Test
    void copyingAWorkDirInToARunnerThatStoppedAnsweringEndsAtItsDeadline() throws Exception {
        CountDownLatch requestRead = new CountDownLatch(1);
        RunnerConnection connection = RunnerConnection.open(RunnerStream.unixSocket(deafRunner(requestRead), Optional.empty()),
                secret, false, 2000, ResidentRunner.TIMER, "test");
        Path workDir = java.nio.file.Files.createDirectories(dir.resolve("work"));
        java.nio.file.Files.writeString(workDir.resolve("f.txt"), "x");
        long start = System.nanoTime();
        dev.codebox.CodeExecutorException e = assertThrows(dev.codebox.CodeExecutorException.class,
                () -> MirroredWorkDir.copyIn(workDir, connection, 1 << 20, "container test", Duration.ofMillis(500)));
        assertEquals(dev.codebox.CodeExecutorException.Reason.START_FAILED, e.reason());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not done within 500 ms"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "ended late");
    }

    /** A host whose one connection is given. */
    private static final class FakeHost implements RunnerHost {
        private final RunnerConnection connection;
        private final Path workDir;

        FakeHost(RunnerConnection connection, Path workDir) {
            this.connection = connection;
            this.workDir = workDir;
        }

        @Override public String name() { return "fake"; }
        @Override public String kind() { return "container"; }
        @Override public Path workDir() { return workDir; }
        @Override public boolean mirrorsWorkDir() { return false; }
        @Override public long copyBytes() { return 0; }
        @Override public Map<String, String> interpreters() { return Map.of(); }
        @Override public RunnerConnection connection() { return connection; }
        @Override public boolean answers() { return false; }
        @Override public void suspect() { }
        @Override public String describeLoss() { return "the fake runner is gone"; }
        @Override public void whenClosed(Runnable action) { }
        @Override public void close() { connection.close(); }
    }
}
