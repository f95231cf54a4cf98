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
 *
 * <p>Both are bounded, since the kernel's code chooses what it sends: a message larger than
 * {@link #MAX_MESSAGE_CHARS} is dropped as it arrives (the execution that runs gets a line saying
 * so), and while more than {@link #MAX_QUEUED_CHARS} wait in the queue (code that prints from a
 * thread while no execution reads) the websocket is not read, so the server holds the rest.
 */
final class WebSocketTransport implements KernelTransport, WebSocket.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTransport.class);
    /**
     * The largest message taken: above the largest display value the executor keeps (32 M
     * characters). The kernel's set-up sends output in messages of about 1 MiB and display values
     * of at most 16 MiB: only code that goes around it sends more.
     */
    static final int MAX_MESSAGE_CHARS = 40 << 20;
    /** The most characters of received messages waiting to be taken. */
    static final long MAX_QUEUED_CHARS = 64L << 20;

    private final BlockingQueue<Queued> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    /** Characters of the message being received that were dropped, since it is too large. */
    private long dropping;
    private final Object sendLock = new Object();
    private final Object flow = new Object();
    /** Characters in {@link #received}; guarded by {@link #flow}. */
    private long queuedChars;
    /** Whether a message is owed to the websocket (not requested while the queue is full); guarded by {@link #flow}. */
    private boolean paused;
    /** The header of the last execute request, the parent of the notice of a dropped message. */
    private volatile JsonNode lastExecuteRequest = Json.object();
    private volatile WebSocket socket;
    private volatile String failure;

    private record Queued(JupyterMessage message, long chars) {
    }

    WebSocketTransport() {
    }

    /**
     * The channels of kernel {@code kernelId} on {@code server}, over a new websocket of a new
     * client session.
     *
     * @throws dev.codebox.CodeExecutorException when the websocket cannot be opened
     */
    static WebSocketTransport open(JupyterServerClient server, String kernelId) {
        WebSocketTransport transport = new WebSocketTransport();
        transport.attach(server.connect(kernelId, UUID.randomUUID().toString(), transport));
        return transport;
    }

    /** Sends and requests messages on {@code socket}, whose listener this is. */
    void attach(WebSocket socket) {
        this.socket = socket;
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
        if (message.msgType().equals("execute_request")) {
            lastExecuteRequest = message.header();
        }
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
            Queued queued = received.poll(Math.max(0, timeoutMillis), TimeUnit.MILLISECONDS);
            if (queued == null) {
                if (failure != null) {
                    throw new KernelFailedException(failure);
                }
                return null;
            }
            taken(queued.chars());
            return queued.message();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelFailedException("interrupted while waiting for the kernel", e);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (dropping == 0 && partial.length() + data.length() <= MAX_MESSAGE_CHARS) {
            partial.append(data);
        } else {
            dropping += partial.length() + data.length();
            partial.setLength(0);
            partial.trimToSize();
        }
        boolean requestNext = true;
        if (last) {
            if (dropping > 0) {
                LOG.warn("dropped a message of {} characters from the kernel (at most {} are taken)", dropping, MAX_MESSAGE_CHARS);
                requestNext = queue(droppedNotice(dropping), 0);
                dropping = 0;
            } else {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode json = Json.parse(text);
                    Channel channel = Channel.fromWireName(json.path("channel").asText());
                    if (channel != null && channel != Channel.CONTROL) {
                        requestNext = queue(new JupyterMessage(channel, json.path("header"), json.path("parent_header"),
                                json.path("metadata"), json.path("content")), text.length());
                    }
                } catch (RuntimeException e) {
                    LOG.warn("ignoring a malformed websocket message from the kernel: {}", e.toString());
                }
            }
        }
        if (requestNext) {
            webSocket.request(1);
        }
        return null;
    }

    /** Queues {@code message}; false, and the websocket owed a request, when the queue is full now. */
    private boolean queue(JupyterMessage message, long chars) {
        synchronized (flow) {
            received.add(new Queued(message, chars));
            queuedChars += chars;
            paused = queuedChars > MAX_QUEUED_CHARS;
            return !paused;
        }
    }

    /** Counts a taken message out of the queue, and reads the websocket again once half of it is free. */
    private void taken(long chars) {
        synchronized (flow) {
            queuedChars -= chars;
            if (!paused || queuedChars > MAX_QUEUED_CHARS / 2) {
                return;
            }
            paused = false;
        }
        WebSocket open = socket;
        if (open != null) {
            open.request(1);
        }
    }

    /** A line on stderr of the execution that runs, in the dropped message's place. */
    private JupyterMessage droppedNotice(long chars) {
        ObjectNode header = Json.object();
        header.put("msg_id", UUID.randomUUID().toString());
        header.put("msg_type", "stream");
        ObjectNode content = Json.object();
        content.put("name", "stderr");
        content.put("text", "codebox: a message of the kernel of " + chars + " characters was dropped (at most "
                + MAX_MESSAGE_CHARS + " are taken)\n");
        return new JupyterMessage(Channel.IOPUB, header, lastExecuteRequest, Json.object(), content);
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
