package dev.codebox.jupyter.internal.remote;

import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelFailedException;
import dev.codebox.jupyter.spi.KernelTransport;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A kernel of a Jupyter server: REST for interrupt, restart and delete, the websocket for messages. */
final class RemoteKernel implements Kernel {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteKernel.class);

    private final JupyterServerClient server;
    private final String id;
    private final String name;
    private final String language;
    private volatile WebSocketTransport transport;
    private boolean closed;

    RemoteKernel(JupyterServerClient server, String id, String name, String language, WebSocketTransport transport) {
        this.server = server;
        this.id = id;
        this.name = name;
        this.language = language;
        this.transport = transport;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String language() {
        return language;
    }

    @Override
    public KernelTransport transport() {
        return transport;
    }

    @Override
    public void interrupt() {
        server.interruptKernel(id);
    }

    /**
     * Restarts the kernel through the server's REST API and opens a new websocket: the old one may
     * still deliver the old process's last messages and the server's "restarting" status.
     */
    @Override
    public synchronized boolean restartInPlace() {
        try {
            server.restartKernel(id);
            WebSocketTransport fresh = WebSocketTransport.open(server, id);
            transport.close();
            transport = fresh;
            return true;
        } catch (RuntimeException e) {
            throw new KernelFailedException("cannot restart the " + name + " kernel " + id + " on " + server + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> failure() {
        String failure = transport.failure();
        return failure == null ? Optional.empty() : Optional.of("the " + name + " kernel " + id + " on " + server + ": " + failure);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        transport.close();
        try {
            server.deleteKernel(id);
        } catch (RuntimeException e) {
            LOG.warn("could not delete the kernel {} on {}: {}", id, server, e.getMessage());
        }
    }
}
