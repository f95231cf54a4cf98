package dev.codebox.docker.internal;

import dev.codebox.runner.internal.RunnerConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to a Unix socket inside a container, each relayed over the runner's stream (the
 * protocol's {@code connect}): how this JVM talks to a server in a container on an engine whose
 * network and files it cannot reach, with nothing but the Engine API between them.
 */
public final class RunnerForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerForwarder.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    private RunnerForwarder() {
    }

    /**
     * A port of 127.0.0.1 whose connections reach {@code socketPath} in {@code container}.
     *
     * @throws IOException when no port can be had
     */
    public static LoopbackPort start(RunnerContainer container, String socketPath) throws IOException {
        return LoopbackPort.start("codebox-forwarder", (client, port) -> relay(container, socketPath, client, port));
    }

    /** Its bytes to the container here; the container's come back from the connection's reader thread. */
    private static void relay(RunnerContainer container, String path, SocketChannel client, LoopbackPort port) throws IOException {
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        RunnerConnection.Relay relay = container.connection().relay(path, client.socket().getOutputStream());
        try {
            port.thread(() -> {
                try {
                    relay.await();
                } catch (IOException e) {
                    LOG.debug("relay to {} ended: {}", path, e.getMessage());
                }
                port.closeQuietly(client); // the container's end closed: so does this one
            });
            InputStream in = client.socket().getInputStream();
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n; (n = in.read(buffer)) > 0; ) {
                relay.send(buffer, 0, n);
            }
        } finally {
            relay.close();
        }
    }
}
