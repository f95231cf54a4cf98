package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bare JSON-RPC client of an MCP server: it does what the SDK's client does on the wire and
 * nothing else (no schedulers, no reactive streams, no validation), so that the per-call rows can
 * tell the server's cost from the SDK client's. Subclasses carry the messages over a transport.
 */
abstract class RawMcpClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private int lastId;

    /** {@code client} after the MCP initialisation; closed when that fails. */
    static <C extends RawMcpClient> C initialized(C client) throws IOException {
        try {
            client.initialize();
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Completes the MCP initialisation. */
    final void initialize() throws IOException {
        request("initialize", Map.of("protocolVersion", "2025-06-18", "capabilities", Map.of(),
                "clientInfo", Map.of("name", "codebox-bench-raw", "version", "1")));
        send(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
    }

    /** The {@code result} of a tools/call of {@code tool}. */
    final JsonNode callTool(String tool, Map<String, Object> arguments) throws IOException {
        return request("tools/call", Map.of("name", tool, "arguments", arguments));
    }

    /** Sends a request and returns its result. */
    final JsonNode request(String method, Object params) throws IOException {
        int id = ++lastId;
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("jsonrpc", "2.0");
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        JsonNode answer = exchange(message, id);
        if (answer.has("error")) {
            throw new IOException(method + " failed: " + answer.get("error"));
        }
        return answer.get("result");
    }

    /** Sends a request and returns the server's message that answers {@code id}, skipping notifications. */
    abstract JsonNode exchange(Map<String, Object> request, int id) throws IOException;

    /** Sends a notification, which has no answer. */
    abstract void send(Map<String, Object> notification) throws IOException;

    @Override
    public abstract void close();
}
