package dev.codebox.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Stands between stdio and the SDK's stdio transport, whose reading loop ends for good at the first
 * line it cannot turn into a JSON-RPC message. Lines that are not JSON, not a single message, or
 * longer than the limit are answered here with the JSON-RPC error the spec prescribes (-32700,
 * -32600) and never reach the SDK; the server keeps serving.
 *
 * <p>{@link #output()} makes each line written to stdout one write, so these answers and the SDK's
 * messages cannot interleave.
 */
final class StdioGuard {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedInputStream in;
    private final OutputStream out;
    private final int maxLineBytes;
    private final Runnable onEnd;
    private final Object writeLock = new Object();

    StdioGuard(InputStream in, OutputStream out, int maxLineBytes, Runnable onEnd) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.out = out;
        this.maxLineBytes = maxLineBytes;
        this.onEnd = onEnd;
    }

    /** The checked messages, one per line, for the SDK to read; its end means the client went away. */
    InputStream input() {
        return new InputStream() {
            private byte[] line = new byte[0];
            private int position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                while (position == line.length) {
                    byte[] next = nextMessage();
                    if (next == null) {
                        return -1;
                    }
                    line = next;
                    position = 0;
                }
                int count = Math.min(length, line.length - position);
                System.arraycopy(line, position, buffer, offset, count);
                position += count;
                return count;
            }
        };
    }

    /** Standard output, written a whole line at a time. */
    OutputStream output() {
        return new OutputStream() {
            private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) throws IOException {
                pending.write(b);
                if (b == '\n') {
                    writeLine(pending.toByteArray());
                    pending.reset();
                }
            }

            @Override
            public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
                for (int i = offset; i < offset + length; i++) {
                    write(bytes[i]);
                }
            }

            @Override
            public void flush() throws IOException {
                synchronized (writeLock) {
                    out.flush();
                }
            }
        };
    }

    private void writeLine(byte[] line) throws IOException {
        synchronized (writeLock) {
            out.write(line);
            out.flush();
        }
    }

    /** The next valid message with its newline, answering invalid lines; null at the end of input. */
    private byte[] nextMessage() throws IOException {
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (line.size() < maxLineBytes) {
                    line.write(b);
                } else {
                    tooLong = true;
                }
            }
            if (b < 0 && line.size() == 0) {
                onEnd.run();
                return null;
            }
            if (tooLong) {
                reply(null, -32600, "Invalid Request: a message may have at most " + maxLineBytes + " bytes");
                continue;
            }
            byte[] bytes = line.toByteArray();
            String problem = check(bytes);
            if (problem == null) {
                line.write('\n');
                return line.toByteArray();
            }
            if (!problem.isEmpty()) {
                reply(idOf(bytes), problem.startsWith("Parse") ? -32700 : -32600, problem);
            }
        }
    }

    /** Null for a message the SDK can read, "" for a blank line, else the error to answer. */
    private static String check(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return "";
        }
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            return "Parse error: the line is not JSON";
        }
        if (message == null || !message.isObject()) {
            return "Invalid Request: expected one JSON-RPC message object (batches are not supported)";
        }
        boolean request = message.path("method").isTextual();
        boolean response = message.has("id") && (message.has("result") || message.has("error"));
        if (!"2.0".equals(message.path("jsonrpc").asText()) || !(request || response)) {
            return "Invalid Request: not a JSON-RPC 2.0 request, notification or response";
        }
        JsonNode id = message.get("id");
        if (id != null && !id.isTextual() && !id.isIntegralNumber()) {
            return "Invalid Request: id must be a string or an integer";
        }
        return null;
    }

    private static JsonNode idOf(byte[] line) {
        try {
            JsonNode id = JSON.readTree(line).get("id");
            return id != null && (id.isTextual() || id.isIntegralNumber()) ? id : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void reply(JsonNode id, int code, String message) throws IOException {
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("jsonrpc", "2.0");
        error.set("id", id == null ? JsonNodeFactory.instance.nullNode() : id);
        error.putObject("error").put("code", code).put("message", message);
        writeLine((JSON.writeValueAsString(error) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
