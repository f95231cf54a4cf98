package dev.codebox.jupyter.internal.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebox.jupyter.internal.protocol.Json;
import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import dev.codebox.jupyter.spi.KernelFailedException;
import dev.codebox.jupyter.spi.KernelTransport;
import java.net.http.WebSocket;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels of a server's kernel over its websocket, in the JSON format (each message names its
 * channel; the server signs and checks the ZeroMQ frames). Received messages are queued by the
 * HttpClient's thread and taken by the executing thread.
 */
final class WebSocketTransport implements KernelTransport, WebSocket.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTransport.class);

    private final BlockingQueue<JupyterMessage> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final Object sendLock = new Object();
    private volatile WebSocket socket;
    private volatile String failure;

    private WebSocketTransport() {
    }

    /**
     * The channels of kernel {@code kernelId} on {@code server}, over a new websocket of a new
     * client session.
     *
     * @throws dev.codebox.CodeExecutorException when the websocket cannot be opened
     */
    static WebSocketTransport open(JupyterServerClient server, String kernelId) {
        WebSocketTransport transport = new WebSocketTransport();
        transport.socket = server.connect(kernelId, UUID.randomUUID().toString(), transport);
        return transport;
    }

    /** Why the websocket closed, or {@code null} while it is open. */
    String failure() {
        return failure;
    }

    @Override
    public void send(JupyterMessage message) {
        ObjectNode json = Json.object();
        json.set("header", message.header());
        json.set("parent_header", message.parentHeader());
        json.set("metadata", message.metadata());
        json.set("content", message.content());
        json.set("buffers", Json.object().arrayNode());
        json.put("channel", message.channel().wireName());
        String text = Json.text(json);
        synchronized (sendLock) {
            if (failure != null) {
                throw new KernelFailedException(failure);
            }
            try {
                // One send at a time: the JDK WebSocket refuses a send while another is pending.
                socket.sendText(text, true).join();
            } catch (RuntimeException e) {
                throw new KernelFailedException("cannot send to the kernel websocket: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public JupyterMessage receive(long timeoutMillis, Channel awaited) {
        try {
            JupyterMessage message = received.poll(Math.max(0, timeoutMillis), TimeUnit.MILLISECONDS);
            if (message == null && failure != null) {
                throw new KernelFailedException(failure);
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelFailedException("interrupted while waiting for the kernel", e);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode json = Json.parse(text);
                Channel channel = Channel.fromWireName(json.path("channel").asText());
                if (channel != null && channel != Channel.CONTROL) {
                    received.add(new JupyterMessage(channel, json.path("header"), json.path("parent_header"),
                            json.path("metadata"), json.path("content")));
                }
            } catch (RuntimeException e) {
                LOG.warn("ignoring a malformed websocket message from the kernel", e);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        failure = "the kernel websocket closed (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")";
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        failure = "the kernel websocket failed: " + error;
    }

    @Override
    public void close() {
        WebSocket open = socket;
        if (open != null && failure == null) {
            failure = "the kernel websocket is closed";
            open.abort();
        }
    }
}
