package dev.codebox.docker.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port on 127.0.0.1 whose every connection is handed, on a thread of its own, to a {@link Relay}
 * that carries it to a server the JDK's clients cannot reach by themselves (a Unix socket, a socket
 * inside a container on a remote engine). Only this machine's loopback listens; {@link #close()}
 * stops listening and closes every connection, and every channel a relay opened, still open.
 */
public final class LoopbackPort implements AutoCloseable {

    /** Carries one accepted connection to its server; returns (or throws) once it has ended. */
    @FunctionalInterface
    public interface Relay {
        void relay(SocketChannel client, LoopbackPort port) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackPort.class);

    private final String name;
    private final ServerSocketChannel listener;
    private final Relay relay;
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();

    private LoopbackPort(String name, ServerSocketChannel listener, Relay relay) {
        this.name = name;
        this.listener = listener;
        this.relay = relay;
    }

    /**
     * Listens on an ephemeral port of 127.0.0.1; {@code name} names its threads and log lines.
     *
     * @throws IOException when no port can be had
     */
    public static LoopbackPort start(String name, Relay relay) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        LoopbackPort port = new LoopbackPort(name, listener, relay);
        port.thread(port::accept);
        return port;
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return ((InetSocketAddress) listener.socket().getLocalSocketAddress()).getPort();
    }

    /** Has {@link #close()} close {@code channel} too, when it is still open then. */
    public void track(Channel channel) {
        open.add(channel);
    }

    /** Runs {@code task} on a daemon thread of this port. */
    public void thread(Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes {@code channel} (null is ignored) without throwing. */
    public void closeQuietly(Channel channel) {
        if (channel == null) {
            return;
        }
        open.remove(channel);
        try {
            channel.close();
        } catch (IOException e) {
            LOG.trace("{}: closing a channel: {}", name, e.toString());
        }
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
            thread(() -> {
                try {
                    relay.relay(client, this);
                } catch (IOException | RuntimeException e) {
                    LOG.debug("{}: a relayed connection ended: {}", name, e.toString());
                } finally {
                    closeQuietly(client);
                }
            });
        }
    }

    /** Stops listening and ends every relayed connection; does not throw. */
    @Override
    public void close() {
        closeQuietly(listener);
        open.forEach(this::closeQuietly);
    }
}
