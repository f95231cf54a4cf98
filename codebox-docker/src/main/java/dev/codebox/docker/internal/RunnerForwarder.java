package dev.codebox.docker.internal;

import dev.codebox.runner.internal.RunnerConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP port on 127.0.0.1 whose connections reach a Unix socket inside a container, each relayed
 * over the runner's stream (the protocol's {@code connect}): how this JVM talks to a server in a
 * container on an engine whose network and files it cannot reach, with nothing but the Engine API
 * between them. Only this machine's loopback listens; {@link #close()} ends every relayed stream.
 */
public final class RunnerForwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerForwarder.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    private final RunnerContainer container;
    private final String path;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private RunnerForwarder(RunnerContainer container, String path, ServerSocket server) {
        this.container = container;
        this.path = path;
        this.server = server;
    }

    /**
     * Listens on an ephemeral port of 127.0.0.1 for connections to {@code socketPath} in {@code container}.
     *
     * @throws IOException when no port can be had
     */
    public static RunnerForwarder start(RunnerContainer container, String socketPath) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        RunnerForwarder forwarder = new RunnerForwarder(container, socketPath, server);
        Thread acceptor = new Thread(forwarder::accept, "codebox-forwarder-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return forwarder;
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(client);
            Thread pump = new Thread(() -> relay(client), "codebox-forward-" + client.getPort());
            pump.setDaemon(true);
            pump.start();
        }
    }

    /** Relays one connection: its bytes to the container here, the container's back from the connection's reader thread. */
    private void relay(Socket client) {
        RunnerConnection.Relay relay = null;
        try (client) {
            client.setTcpNoDelay(true);
            relay = container.connection().relay(path, client.getOutputStream());
            RunnerConnection.Relay started = relay;
            Thread waiter = new Thread(() -> {
                try {
                    started.await();
                } catch (IOException e) {
                    LOG.debug("relay to {} ended: {}", path, e.getMessage());
                }
                closeQuietly(client); // the container's end closed: so does this one
            }, "codebox-forward-end-" + client.getPort());
            waiter.setDaemon(true);
            waiter.start();
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n; (n = in.read(buffer)) > 0; ) {
                relay.send(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("relay to {} ended: {}", path, e.toString());
        } finally {
            if (relay != null) {
                relay.close();
            }
            open.remove(client);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    /** Stops listening and ends every relayed connection; does not throw. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the forwarder's port: {}", e.toString());
        }
        open.forEach(RunnerForwarder::closeQuietly);
    }
}
