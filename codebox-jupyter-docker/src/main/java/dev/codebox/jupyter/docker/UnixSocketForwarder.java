package dev.codebox.jupyter.docker;

import dev.codebox.docker.internal.LoopbackPort;
import dev.codebox.runner.internal.UnixSockets;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the JDK's HTTP and websocket clients reach a Jupyter server that listens on a Unix socket (in
 * a container without a network): each connection to a port of 127.0.0.1 is copied, byte for byte,
 * to a new connection to the socket. The socket's path is in a directory the container's code can
 * change, so before each connection it is checked with {@code lstat}: a socket (never a link) owned
 * by {@code owner}; anything else gets the TCP connection closed.
 */
final class UnixSocketForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketForwarder.class);

    private UnixSocketForwarder() {
    }

    /** A port of 127.0.0.1 whose connections are forwarded to {@code socket}. */
    static LoopbackPort start(Path socket, int owner) throws IOException {
        return LoopbackPort.start("codebox-jupyter-forwarder", (client, port) -> {
            UnixSockets.requireSocket(socket, Optional.of(owner));
            SocketChannel server = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            port.track(server);
            port.thread(() -> copy(server, client, port));
            copy(client, server, port);
        });
    }

    /** Copies until either side ends, then closes both. */
    private static void copy(SocketChannel from, SocketChannel to, LoopbackPort port) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            LOG.trace("forwarded connection ended: {}", e.toString());
        } finally {
            port.closeQuietly(from);
            port.closeQuietly(to);
        }
    }
}
