package dev.codebox.jupyter.remote;

import dev.codebox.jupyter.session.Kernel;
import dev.codebox.jupyter.session.KernelTransport;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A kernel of a Jupyter server: REST for interrupt and delete, the websocket for messages. */
final class RemoteKernel implements Kernel {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteKernel.class);

    private final JupyterServerClient server;
    private final String id;
    private final String name;
    private final String language;
    private final WebSocketTransport transport;
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
