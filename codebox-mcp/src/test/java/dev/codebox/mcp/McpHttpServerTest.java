package dev.codebox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.Processes;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over streamable HTTP, driven by the SDK's own client and by raw HTTP where a client hides the protocol. */
class McpHttpServerTest {

    static final String TOKEN_A = "token-a-0123456789abcdef";
    static final String TOKEN_B = "token-b-0123456789abcdef";

    @TempDir
    Path temp;

    private final List<AutoCloseable> open = new ArrayList<>();
    private CodeboxMcpServer server;
    private URI uri;

    private void start(CodeboxMcpServer.Builder builder) {
        server = builder.tempRoot(temp).build();
        HttpEndpoint endpoint = server.serveHttp(HttpSettings.builder().port(0).token(TOKEN_A).token(TOKEN_B).build());
        uri = endpoint.uri();
    }

    private void start() {
        start(CodeboxMcpServer.builder(new LocalProvider()).maxSessions(3));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        if (server != null) {
            server.close();
        }
        assertEquals(List.of(), sessionDirs(), "session work dirs left behind");
    }

    private List<Path> sessionDirs() throws Exception {
        try (Stream<Path> entries = Files.list(temp)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("codebox-mcp-")).toList();
        }
    }

    private McpSyncClient client(String token, java.util.function.Consumer<McpSchema.ProgressNotification> progress) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder("http://" + uri.getHost() + ":" + uri.getPort())
                .endpoint("/mcp")
                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(90))
                .progressConsumer(progress).build();
        client.initialize();
        open.add(client::closeGracefully);
        return client;
    }

    private McpSyncClient client(String token) {
        return client(token, notification -> { });
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult result) {
        assertFalse(Boolean.TRUE.equals(result.isError()), () -> "tool error: " + text(result));
        return (Map<String, Object>) result.structuredContent();
    }

    private static String text(CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    private static void assertToolError(CallToolResult result, String expected) {
        assertTrue(Boolean.TRUE.equals(result.isError()), () -> "expected a tool error, got " + result);
        assertTrue(text(result).contains(expected), () -> "'" + expected + "' not in: " + text(result));
    }

    @Test
    void listsEveryToolWithSchemas() {
        start();
        List<McpSchema.Tool> tools = client(TOKEN_A).listTools().tools();
        assertEquals(List.of("close_session", "create_session", "download_file", "execute_code", "list_files",
                "list_languages", "list_sessions", "upload_file"), tools.stream().map(McpSchema.Tool::name).sorted().toList());
        for (McpSchema.Tool tool : tools) {
            assertEquals("object", tool.inputSchema().get("type"), tool.name());
            assertNotNull(tool.outputSchema(), tool.name());
            assertFalse(tool.description().isBlank(), tool.name());
        }
    }

    @Test
    void runsOneOffCodeInAFreshExecutorAndLeavesNothing() throws Exception {
        start();
        McpSyncClient client = client(TOKEN_A);
        Map<String, Object> result = structured(call(client, "execute_code",
                Map.of("code", "import sys\nprint('out')\nopen('made.txt', 'w').write('x')\nsys.exit(3)")));
        assertEquals(3, result.get("exit_code"));
        assertEquals("out\n", result.get("output"));
        assertEquals(List.of("made.txt"), result.get("files"));
        assertNull(result.get("session_id"));
        assertEquals(false, result.get("timed_out"));
        assertEquals(List.of(), sessionDirs());

        Map<String, Object> shell = structured(call(client, "execute_code", Map.of("code", "echo $((6 * 7))", "language", "sh")));
        assertEquals("42\n", shell.get("output"));
        assertToolError(call(client, "execute_code", Map.of("code", "x", "language", "cobol")), "does not run cobol");
        assertToolError(call(client, "execute_code", Map.of("code", 42)), "string expected");
    }

    @Test
    void sessionsKeepFilesAndBelongToTheirToken() throws Exception {
        start();
        McpSyncClient a = client(TOKEN_A);
        McpSyncClient b = client(TOKEN_B);
        String id = (String) structured(call(a, "create_session", Map.of())).get("session_id");
        assertEquals(1, sessionDirs().size());

        structured(call(a, "execute_code", Map.of("session_id", id, "code", "open('kept.txt', 'w').write('kept')")));
        Map<String, Object> second = structured(call(a, "execute_code", Map.of("session_id", id, "code", "print(open('kept.txt').read())")));
        assertEquals("kept\n", second.get("output"));
        assertEquals(id, second.get("session_id"));

        assertToolError(call(b, "execute_code", Map.of("session_id", id, "code", "print(1)")), "no session " + id);
        assertToolError(call(b, "close_session", Map.of("session_id", id)), "no session");
        assertToolError(call(b, "download_file", Map.of("session_id", id, "path", "kept.txt")), "no session");
        assertEquals(List.of(), structured(call(b, "list_sessions", Map.of())).get("sessions"));
        List<?> mine = (List<?>) structured(call(a, "list_sessions", Map.of())).get("sessions");
        assertEquals(1, mine.size());

        assertEquals(true, structured(call(a, "close_session", Map.of("session_id", id))).get("closed"));
        assertEquals(List.of(), sessionDirs());
        assertToolError(call(a, "execute_code", Map.of("session_id", id, "code", "print(1)")), "no session");
    }

    @Test
    void filesGoInAndOutOnlyInsideTheWorkDir() throws Exception {
        start(CodeboxMcpServer.builder(new LocalProvider()).maxUploadBytes(1024));
        McpSyncClient client = client(TOKEN_A);
        String id = (String) structured(call(client, "create_session", Map.of())).get("session_id");
        Path outside = Files.writeString(temp.resolve("outside.txt"), "host file");

        assertEquals(14, ((Number) structured(call(client, "upload_file",
                Map.of("session_id", id, "path", "in.txt", "text", "hello from mcp"))).get("bytes")).intValue());
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        structured(call(client, "upload_file", Map.of("session_id", id, "path", "in.bin",
                "content_base64", Base64.getEncoder().encodeToString(binary))));
        Map<String, Object> run = structured(call(client, "execute_code", Map.of("session_id", id, "code",
                "import os\nprint(open('in.txt').read(), len(open('in.bin','rb').read()))\n"
                        + "os.symlink('" + outside + "', 'link.txt')\nos.symlink('" + temp + "', 'linkdir')\nos.mkdir('sub')")));
        assertEquals("hello from mcp 256\n", run.get("output"));

        Map<String, Object> text = structured(call(client, "download_file", Map.of("session_id", id, "path", "in.txt")));
        assertEquals("hello from mcp", text.get("text"));
        Map<String, Object> bytes = structured(call(client, "download_file", Map.of("session_id", id, "path", "in.bin")));
        assertEquals(Base64.getEncoder().encodeToString(binary), bytes.get("content_base64"));

        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "/etc/evil", "text", "x")), "absolute paths");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "../evil", "text", "x")), "'..'");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "link.txt", "text", "x")), "symbolic link");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "linkdir/outside.txt", "text", "x")), "symbolic link");
        assertToolError(call(client, "download_file", Map.of("session_id", id, "path", "link.txt")), "symbolic link");
        assertToolError(call(client, "download_file", Map.of("session_id", id, "path", "linkdir/outside.txt")), "symbolic link");
        assertToolError(call(client, "list_files", Map.of("session_id", id, "path", "linkdir")), "symbolic link");
        assertEquals("host file", Files.readString(outside));

        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "big", "text", "x".repeat(2000))), "upload limit");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "big",
                "content_base64", Base64.getEncoder().encodeToString(new byte[4000]))), "upload limit");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "x", "content_base64", "%%%")), "not valid base64");
        assertToolError(call(client, "upload_file", Map.of("session_id", id, "path", "x")), "exactly one");

        structured(call(client, "upload_file", Map.of("session_id", id, "path", "sub/nested.txt", "text", "n")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> files = (List<Map<String, Object>>) structured(call(client, "list_files", Map.of("session_id", id))).get("files");
        assertEquals(List.of("in.bin", "in.txt", "link.txt", "linkdir", "sub", "sub/nested.txt"),
                files.stream().map(file -> file.get("path")).toList());
        assertEquals("symlink", files.get(2).get("type"));
    }

    @Test
    void aShorterTimeoutStopsTheCodeAsATimeout() {
        start();
        String marker = Processes.uniqueSleep();
        Map<String, Object> result = structured(call(client(TOKEN_A), "execute_code",
                Map.of("code", "import subprocess\nprint('started', flush=True)\nsubprocess.run(['sleep', '" + marker + "'])", "timeout_seconds", 1)));
        assertEquals(124, result.get("exit_code"));
        assertEquals(true, result.get("timed_out"));
        assertEquals(false, result.get("cancelled"));
        assertTrue(((String) result.get("output")).endsWith("Timeout\n"), (String) result.get("output"));
        assertTrue(((Number) result.get("duration_ms")).longValue() < 10_000);
    }

    @Test
    void streamsOutputAsProgressNotifications() {
        start();
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        McpSyncClient client = client(TOKEN_A, notification -> messages.add(notification.message()));
        CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder("execute_code")
                .arguments(Map.of("code", "import time\nfor i in range(3):\n    print('line', i, flush=True)\n    time.sleep(0.3)"))
                .meta(Map.of("progressToken", "p-1"))
                .build());
        assertEquals("line 0\nline 1\nline 2\n", structured(result).get("output"));
        assertTrue(messages.size() >= 2, "expected output in several notifications: " + messages);
        assertEquals("line 0\nline 1\nline 2\n", String.join("", messages));
    }

    @Test
    void aBusyServerSaysSoInsteadOfQueueingForever() throws Exception {
        start(CodeboxMcpServer.builder(new LocalProvider()).maxConcurrentExecutions(1).queueTimeout(Duration.ofMillis(300)));
        McpSyncClient client = client(TOKEN_A);
        String marker = Processes.uniqueSleep();
        CompletableFuture<CallToolResult> slow = CompletableFuture.supplyAsync(() -> call(client, "execute_code",
                Map.of("code", "import subprocess; subprocess.run(['sleep', '" + marker + "'])", "timeout_seconds", 3)));
        assertFalse(Processes.awaitPresent(marker, Duration.ofSeconds(20)).isEmpty());
        assertToolError(call(client(TOKEN_B), "execute_code", Map.of("code", "print(1)")), "busy");
        assertEquals(124, structured(slow.get()).get("exit_code"));
        assertEquals(0, structured(call(client, "execute_code", Map.of("code", "print(1)"))).get("exit_code"));
    }

    @Test
    void limitsTheNumberOfSessions() {
        start();
        McpSyncClient client = client(TOKEN_A);
        assertToolError(call(client, "create_session", Map.of("executor", "mainframe")), "unknown executor 'mainframe'");
        assertToolError(call(client, "create_session", Map.of("kernel", "python3")), "a kernel is for the jupyter executors");
        for (int i = 0; i < 3; i++) {
            structured(call(client, "create_session", Map.of()));
        }
        assertToolError(call(client, "create_session", Map.of()), "too many sessions");
    }

    @Test
    void closesSessionsThatStayIdle() throws Exception {
        start(CodeboxMcpServer.builder(new LocalProvider()).sessionIdleTimeout(Duration.ofMillis(800)));
        McpSyncClient client = client(TOKEN_A);
        String id = (String) structured(call(client, "create_session", Map.of())).get("session_id");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!sessionDirs().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), sessionDirs());
        assertToolError(call(client, "execute_code", Map.of("session_id", id, "code", "print(1)")), "no session");
    }

    @Test
    void closingTheServerStopsRunningCodeAndDeletesEverything() throws Exception {
        start();
        McpSyncClient client = client(TOKEN_A);
        String id = (String) structured(call(client, "create_session", Map.of())).get("session_id");
        String marker = Processes.uniqueSleep();
        CompletableFuture.runAsync(() -> {
            try {
                call(client, "execute_code", Map.of("session_id", id, "code", "import subprocess; subprocess.run(['sleep', '" + marker + "'])"));
            } catch (RuntimeException expected) {
                // the server goes away mid-call
            }
        });
        assertFalse(Processes.awaitPresent(marker, Duration.ofSeconds(20)).isEmpty());
        server.close();
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(5)));
        assertEquals(List.of(), sessionDirs());
    }

    @Test
    void closingTheServerLeavesNoThreadThatKeepsTheJvmAlive() throws Exception {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        start();
        call(client(TOKEN_A), "list_languages", Map.of());
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        open.clear();
        server.close();
        Thread.sleep(200);
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && !thread.isDaemon() && !before.contains(thread))
                .map(Thread::getName).toList();
        assertEquals(List.of(), left, "non-daemon threads outlive the server");
    }

    // Raw HTTP: what the SDK client does not show (status codes, cancellation, malformed messages).

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String token, String session, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

    /** A raw MCP session: initialized, its id returned. */
    private String rawSession(String token) throws Exception {
        HttpResponse<String> initialized = post(token, null, INITIALIZE, Map.of());
        assertEquals(200, initialized.statusCode(), initialized.body());
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertEquals(202, post(token, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Map.of()).statusCode());
        return session;
    }

    @Test
    void requestsWithoutAValidTokenGet401AndReachNothing() throws Exception {
        start();
        assertEquals(401, post(null, null, INITIALIZE, Map.of()).statusCode());
        HttpResponse<String> wrong = post("not-the-token-0123456789", null, INITIALIZE, Map.of());
        assertEquals(401, wrong.statusCode());
        assertEquals("Bearer realm=\"codebox\"", wrong.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertFalse(wrong.body().contains(TOKEN_A));
        assertEquals(401, post(null, null, INITIALIZE, Map.of("Authorization", "Basic " + TOKEN_A)).statusCode());
        assertEquals(200, post(TOKEN_A, null, INITIALIZE, Map.of()).statusCode());
    }

    @Test
    void refusesForeignOriginsAndHosts() throws Exception {
        start();
        int status = post(TOKEN_A, null, INITIALIZE, Map.of("Origin", "http://evil.example")).statusCode();
        assertTrue(status >= 400 && status < 500, "status " + status);
        assertEquals(200, post(TOKEN_A, null, INITIALIZE, Map.of("Origin", "http://localhost:" + uri.getPort())).statusCode());
    }

    @Test
    void malformedMessagesGetErrorsAndTheServerKeepsServing() throws Exception {
        start();
        String session = rawSession(TOKEN_A);
        HttpResponse<String> garbage = post(TOKEN_A, session, "{not json", Map.of());
        assertEquals(400, garbage.statusCode(), garbage.body());
        assertTrue(garbage.body().startsWith("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"), garbage.body());
        assertFalse(garbage.body().contains("stackTrace") || garbage.body().contains("dev.codebox"), garbage.body());
        HttpResponse<String> unknownTool = post(TOKEN_A, session,
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"rm_rf\",\"arguments\":{}}}", Map.of());
        assertTrue(unknownTool.body().contains("\"error\"") || unknownTool.body().contains("\"isError\":true"), unknownTool.body());
        HttpResponse<String> missing = post(TOKEN_A, session,
                "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"execute_code\",\"arguments\":{}}}", Map.of());
        assertTrue(missing.body().contains("\"isError\":true"), missing.body());
        assertEquals(0, structured(call(client(TOKEN_A), "execute_code", Map.of("code", "print(1)"))).get("exit_code"));
    }

    @Test
    void cancelledNotificationStopsTheCode() throws Exception {
        start();
        String session = rawSession(TOKEN_A);
        String marker = Processes.uniqueSleep();
        String call = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"execute_code\","
                + "\"arguments\":{\"code\":\"import subprocess\\nsubprocess.run(['sleep', '" + marker + "'])\"}}}";
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> {
            try {
                return post(TOKEN_A, session, call, Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(Processes.awaitPresent(marker, Duration.ofSeconds(20)).isEmpty());

        // Another client cancelling request 7 (its own id space) must not touch this call.
        String other = rawSession(TOKEN_B);
        String cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"test\"}}";
        assertEquals(202, post(TOKEN_B, other, cancel, Map.of()).statusCode());
        Thread.sleep(300);
        assertFalse(Processes.withMarker(marker).isEmpty(), "another client's cancellation stopped the code");

        long start = System.nanoTime();
        assertEquals(202, post(TOKEN_A, session, cancel, Map.of()).statusCode());
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(5)));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
        String body = running.get().body();
        assertTrue(body.contains("\\\"exit_code\\\":125") || body.contains("\"exit_code\":125"), body);
    }
}
