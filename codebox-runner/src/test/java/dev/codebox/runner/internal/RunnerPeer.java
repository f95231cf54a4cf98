package dev.codebox.runner.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/** The runner's side of a connection, scripted, for the tests of the JVM's side. */
final class RunnerPeer {

    private RunnerPeer() {
    }

    /**
     * Accepts one connection on {@code server}, in a thread of its own: answers the client's hello
     * with {@code hello}, accepts its authentication, reads its first request (then counts
     * {@code requestRead} down), sends {@code frames}, and then reads nothing more for
     * {@code holdMillis} before it closes the connection.
     */
    static void serve(ServerSocketChannel server, byte[] hello, CountDownLatch requestRead, long holdMillis, byte[]... frames) {
        Thread thread = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                readFrame(client); // hello
                client.write(ByteBuffer.wrap(hello));
                readFrame(client); // auth
                client.write(ByteBuffer.wrap(frame('R', 0, "{}".getBytes(StandardCharsets.UTF_8))));
                readFrame(client); // the request
                requestRead.countDown();
                for (byte[] frame : frames) {
                    client.write(ByteBuffer.wrap(frame));
                }
                Thread.sleep(holdMillis);
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    /** The runner's hello with the proof of {@code secret}. */
    static byte[] hello(RunnerSecret secret) {
        return frame('H', 0, ("{\"protocol\":" + RunnerConnection.PROTOCOL + ",\"proof\":\"" + secret.proof(RunnerSecret.RUNNER) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    static void readFrame(SocketChannel client) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        while (header.hasRemaining()) {
            if (client.read(header) < 0) {
                throw new EOFException();
            }
        }
        ByteBuffer payload = ByteBuffer.allocate(header.getInt(5));
        while (payload.hasRemaining()) {
            if (client.read(payload) < 0) {
                throw new EOFException();
            }
        }
    }

    static byte[] frame(char type, int channel, byte[] payload) {
        return frame(type, channel, payload.length, payload);
    }

    /** A frame whose header announces {@code length}, whatever the payload's. */
    static byte[] frame(char type, int channel, int length, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt(channel).putInt(length).put(payload).array();
    }
}
