package dev.codebox.jupyter.internal.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The websocket transport's bounds, driven as the JDK's HttpClient drives a listener (pure logic). */
class WebSocketTransportTest {

    /** Counts the messages the transport asks for. */
    private static final class Socket implements WebSocket {
        final AtomicInteger requested = new AtomicInteger();

        @Override public void request(long n) { requested.addAndGet((int) n); }
        @Override public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPing(ByteBuffer message) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPong(ByteBuffer message) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) { return CompletableFuture.completedFuture(this); }
        @Override public String getSubprotocol() { return ""; }
        @Override public boolean isOutputClosed() { return false; }
        @Override public boolean isInputClosed() { return false; }
        @Override public void abort() { }
    }

    private static String stream(String parent, String text) {
        return "{\"channel\":\"iopub\",\"header\":{\"msg_id\":\"m\",\"msg_type\":\"stream\"},\"parent_header\":{\"msg_id\":\""
                + parent + "\"},\"metadata\":{},\"content\":{\"name\":\"stdout\",\"text\":\"" + text + "\"}}";
    }

    @Test
    void aMessageOverTheLimitIsDroppedAsItArrivesAndTheRunningExecutionIsTold() {
        Socket socket = new Socket();
        WebSocketTransport transport = new WebSocketTransport();
        transport.attach(socket);
        transport.send(new JupyterMessage(Channel.SHELL, dev.codebox.jupyter.internal.protocol.Json.parse(
                "{\"msg_id\":\"exec-1\",\"msg_type\":\"execute_request\"}"), dev.codebox.jupyter.internal.protocol.Json.object(),
                dev.codebox.jupyter.internal.protocol.Json.object(), dev.codebox.jupyter.internal.protocol.Json.object()));
        String fragment = "A".repeat(1 << 20);
        int fragments = WebSocketTransport.MAX_MESSAGE_CHARS / fragment.length() + 2;
        for (int i = 0; i < fragments; i++) {
            transport.onText(socket, fragment, false);
        }
        transport.onText(socket, "\"}}", true);
        transport.onText(socket, stream("exec-1", "next"), true);

        JupyterMessage notice = transport.receive(0, Channel.IOPUB);
        assertEquals("exec-1", notice.parentMsgId());
        assertEquals("stderr", notice.content().path("name").asText());
        assertTrue(notice.content().path("text").asText().startsWith("codebox: a message of the kernel of "
                + ((long) fragments * fragment.length() + 3) + " characters was dropped"), notice.content().toString());
        assertEquals("next", transport.receive(0, Channel.IOPUB).content().path("text").asText());
        assertEquals(fragments + 2, socket.requested.get(), "every fragment was read on");
    }

    @Test
    void theWebsocketIsNotReadWhileTheQueueIsFullAndReadAgainOnceHalfIsTaken() {
        Socket socket = new Socket();
        WebSocketTransport transport = new WebSocketTransport();
        transport.attach(socket);
        String message = stream("p", "y".repeat(1 << 20));
        long perMessage = message.length();
        int toFill = (int) (WebSocketTransport.MAX_QUEUED_CHARS / perMessage) + 1;
        for (int i = 0; i < toFill; i++) {
            transport.onText(socket, message, true);
        }
        assertEquals(toFill - 1, socket.requested.get(), "no message asked for once the queue is over its bound");

        int taken = 0;
        while (socket.requested.get() == toFill - 1) {
            assertNotNull(transport.receive(0, Channel.IOPUB));
            taken++;
        }
        assertEquals(toFill, socket.requested.get());
        long left = (long) (toFill - taken) * perMessage;
        assertTrue(left <= WebSocketTransport.MAX_QUEUED_CHARS / 2 && left + perMessage > WebSocketTransport.MAX_QUEUED_CHARS / 2,
                left + " characters left");
        while (transport.receive(0, Channel.IOPUB) != null) {
            taken++;
        }
        assertEquals(toFill, taken);
        assertNull(transport.receive(0, Channel.IOPUB));
    }
}
