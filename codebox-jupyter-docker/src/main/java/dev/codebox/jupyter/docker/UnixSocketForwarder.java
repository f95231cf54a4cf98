package dev.codebox.jupyter.docker;

import dev.codebox.runner.internal.UnixSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the JDK's HTTP and websocket clients reach a Jupyter server that listens on a Unix socket (in
 * a container without a network): a TCP listener on 127.0.0.1 whose connections are copied, byte for
 * byte, to a new connection to the socket. The socket's path is in a directory the container's code
 * can change, so before each connection it is checked with {@code lstat}: a socket (never a link)
 * owned by {@code owner}; anything else gets the TCP connection closed.
 */
final class UnixSocketForwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketForwarder.class);

    private final Path socket;
    private final int owner;
    private final ServerSocketChannel listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-jupyter-forwarder");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

    private UnixSocketForwarder(Path socket, int owner, ServerSocketChannel listener) {
        this.socket = socket;
        this.owner = owner;
        this.listener = listener;
    }

    /** Listens on a free port of 127.0.0.1 for connections to forward to {@code socket}. */
    static UnixSocketForwarder start(Path socket, int owner) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        UnixSocketForwarder forwarder = new UnixSocketForwarder(socket, owner, listener);
        forwarder.threads.execute(forwarder::accept);
        return forwarder;
    }

    /** The TCP port on 127.0.0.1. */
    int port() {
        return ((InetSocketAddress) listener.socket().getLocalSocketAddress()).getPort();
    }

    private void accept() {
        while (listener.isOpen()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(client);
            threads.execute(() -> connect(client));
        }
    }

    private void connect(SocketChannel client) {
        SocketChannel server = null;
        try {
            UnixSockets.requireSocket(socket, Optional.of(owner));
            server = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            open.add(server);
            SocketChannel upstream = server;
            threads.execute(() -> copy(upstream, client));
            copy(client, upstream);
        } catch (IOException e) {
            LOG.debug("cannot forward to {}: {}", socket, e.toString());
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** Copies until either side ends, then closes both. */
    private void copy(SocketChannel from, SocketChannel to) {
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
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            open.remove(channel);
            try {
                channel.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the forwarder's listener failed", e);
        }
        open.forEach(this::closeQuietly);
        threads.shutdownNow();
    }
}
