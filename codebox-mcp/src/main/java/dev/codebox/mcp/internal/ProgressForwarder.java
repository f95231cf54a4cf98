package dev.codebox.mcp.internal;

import dev.codebox.OutputListener;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a run's output to the client as {@code notifications/progress} whose message is the new
 * text. Output is gathered and sent from a timer thread at most every {@value #INTERVAL_MILLIS} ms,
 * so that a slow client never holds up the code's output; what exceeds the budget is not streamed
 * (the result still carries the capped output).
 */
final class ProgressForwarder implements OutputListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressForwarder.class);
    static final long INTERVAL_MILLIS = 100;
    private static final int PENDING_LIMIT = 64 * 1024;

    private final McpSyncServerExchange exchange;
    private final Object progressToken;
    private final ScheduledExecutorService timer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long budget;
    private boolean dropped;
    private ScheduledFuture<?> scheduled;
    private int sent;

    ProgressForwarder(McpSyncServerExchange exchange, Object progressToken, ScheduledExecutorService timer, long budget) {
        this.exchange = exchange;
        this.progressToken = progressToken;
        this.timer = timer;
        this.budget = budget;
    }

    @Override
    public synchronized void onOutput(byte[] bytes, int offset, int length) {
        int room = (int) Math.min(Math.min(budget, PENDING_LIMIT - pending.size()), length);
        if (room < length) {
            dropped = true;
        }
        if (room > 0) {
            pending.write(bytes, offset, room);
            budget -= room;
        }
        if (scheduled == null) {
            scheduled = timer.schedule(this::flush, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void flush() {
        String text;
        synchronized (this) {
            scheduled = null;
            byte[] bytes = pending.toByteArray();
            int complete = completeUtf8Prefix(bytes);
            pending.reset();
            pending.write(bytes, complete, bytes.length - complete);
            text = new String(bytes, 0, complete, StandardCharsets.UTF_8);
        }
        send(text);
    }

    private void send(String text) {
        if (text.isEmpty()) {
            return;
        }
        sent++;
        try {
            exchange.progressNotification(new McpSchema.ProgressNotification(progressToken, sent, null, text));
        } catch (RuntimeException e) {
            LOG.debug("a progress notification was not delivered: {}", e.toString());
        }
    }

    /** Sends what is left; later output is not streamed. */
    @Override
    public void close() {
        String text;
        synchronized (this) {
            if (scheduled != null) {
                scheduled.cancel(false);
                scheduled = null;
            }
            text = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
            budget = 0;
            if (dropped) {
                text += "\n[codebox: output beyond the streaming limit was not streamed; the result holds the output]\n";
                dropped = false;
            }
        }
        send(text);
    }

    /** The length of the longest prefix of {@code bytes} that does not end inside a UTF-8 sequence. */
    static int completeUtf8Prefix(byte[] bytes) {
        int end = bytes.length;
        for (int back = 1; back <= Math.min(3, end); back++) {
            int b = bytes[end - back] & 0xff;
            if (b < 0x80) {
                return end; // ASCII: complete
            }
            if (b >= 0xc0) { // lead byte: complete when its sequence fits
                int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
                return back >= needed ? end : end - back;
            }
        }
        return end;
    }
}
