package dev.codebox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.testing.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over stdio, with raw JSON-RPC lines: the messages a client really sends, cancellation included. */
class McpStdioServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();

    private JsonNode await(Predicate<JsonNode> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode message = received.poll(100, TimeUnit.MILLISECONDS);
            if (message != null && wanted.test(message)) {
                return message;
            }
        }
        throw new AssertionError("no such message within 30 s");
    }

    private static Predicate<JsonNode> response(int id) {
        return message -> message.path("id").asInt(-1) == id && !message.has("method");
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void servesToolsStreamsProgressAndCancelsOverStdio() throws Exception {
        PipedOutputStream toServer = new PipedOutputStream();
        PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 16);
        PipedInputStream fromServer = new PipedInputStream(1 << 16);
        PipedOutputStream serverOut = new PipedOutputStream(fromServer);
        try (CodeboxMcpServer server = CodeboxMcpServer.builder(new LocalProvider()).tempRoot(temp).build()) {
            CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
                try {
                    server.serveStdio(serverIn, serverOut);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(fromServer, StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        received.add(JSON.readTree(line));
                    }
                } catch (IOException ended) {
                    // the server closed its end
                }
            });
            reader.setDaemon(true);
            reader.start();

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                    + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
            JsonNode initialized = await(response(1));
            assertEquals("codebox", initialized.at("/result/serverInfo/name").asText());
            assertTrue(initialized.at("/result/capabilities").has("tools"));
            send(toServer, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
            assertEquals(8, await(response(2)).at("/result/tools").size());

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
            assertEquals(0, await(response(3)).path("result").size());

            send(toServer, "this is not JSON");
            assertEquals(-32700, await(message -> message.has("error")).at("/error/code").asInt());
            send(toServer, "[1, 2]");
            assertEquals(-32600, await(message -> message.has("error")).at("/error/code").asInt());
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"execute_code\","
                    + "\"arguments\":{\"code\":\"print(6 * 7)\"}}}");
            JsonNode result = await(response(4));
            assertEquals(42, JSON.readTree(result.at("/result/content/0/text").asText()).path("exit_code").asInt() + 42);
            assertEquals("42\n", result.at("/result/structuredContent/output").asText());

            String marker = Processes.uniqueSleep();
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"execute_code\","
                    + "\"_meta\":{\"progressToken\":\"t5\"},\"arguments\":{\"code\":\"import time\\nprint('begun', flush=True)\\n"
                    + "import subprocess; subprocess.run(['sleep', '" + marker + "'])\"}}}");
            JsonNode progress = await(message -> "notifications/progress".equals(message.path("method").asText()));
            assertEquals("t5", progress.at("/params/progressToken").asText());
            assertEquals("begun\n", progress.at("/params/message").asText());
            assertFalse(Processes.withMarker(marker).isEmpty());
            send(toServer, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5}}");
            JsonNode cancelled = await(response(5));
            assertEquals(125, cancelled.at("/result/structuredContent/exit_code").asInt());
            assertTrue(cancelled.at("/result/structuredContent/cancelled").asBoolean());
            assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(2)));

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"create_session\",\"arguments\":{}}}");
            assertNotNull(await(response(6)).at("/result/structuredContent/session_id").textValue());

            toServer.close();
            serving.get(10, TimeUnit.SECONDS);
        }
        try (var entries = Files.list(temp)) {
            assertEquals(List.of(), entries.toList(), "the session's work dir was left behind");
        }
    }
}
