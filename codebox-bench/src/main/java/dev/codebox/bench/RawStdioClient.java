package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A bare JSON-RPC client of an MCP server over stdio: one line out, lines in until the answer. It
 * does what the SDK's client does on the wire and nothing else (no schedulers, no validation), so
 * that the stdio rows can tell the server's cost from the SDK client's.
 */
final class RawStdioClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedReader in;
    private final OutputStream out;
    private int lastId;

    private RawStdioClient(Process process) {
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.out = process.getOutputStream();
    }

    /** Starts the server with {@code command} and completes the MCP initialisation. */
    static RawStdioClient start(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        RawStdioClient client = new RawStdioClient(process);
        try {
            client.request("initialize", Map.of("protocolVersion", "2025-06-18", "capabilities", Map.of(),
                    "clientInfo", Map.of("name", "codebox-bench-raw", "version", "1")));
            client.send(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The {@code result} of a tools/call of {@code tool}. */
    JsonNode callTool(String tool, Map<String, Object> arguments) throws IOException {
        return request("tools/call", Map.of("name", tool, "arguments", arguments));
    }

    /** Sends a request and returns its result; messages without its id (notifications) are skipped. */
    JsonNode request(String method, Object params) throws IOException {
        int id = ++lastId;
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("jsonrpc", "2.0");
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        send(message);
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("the server closed its stdout");
            }
            JsonNode answer = JSON.readTree(line);
            if (answer.path("id").asInt(-1) == id) {
                if (answer.has("error")) {
                    throw new IOException(method + " failed: " + answer.get("error"));
                }
                return answer.get("result");
            }
        }
    }

    private void send(Object message) throws IOException {
        out.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Closes the server's stdin (its signal to end) and waits a little for it to exit. */
    @Override
    public void close() {
        try {
            out.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
