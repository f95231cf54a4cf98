package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.internal.TempDirs;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.mcp.CodeboxMcpServer;
import dev.codebox.mcp.ExecutorProvider;
import dev.codebox.mcp.HttpEndpoint;
import dev.codebox.mcp.HttpSettings;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The MCP server's cost: {@code execute_code} of {@code print(1)} in a warm session over stdio (the
 * server in a process of its own, as clients start it) and over streamable HTTP, against the same
 * block on a local executor called in-process; and tool calls per second with 8 clients at once.
 */
final class McpBench implements Bench {

    static final String SECTION = "mcp";
    private static final String TOKEN = "bench-token-0123456789abcdef";
    private static final Target OVERHEAD = Target.overheadAtMost(3.0);
    private static final int PROTOCOL_WARMUP_CALLS = 2000;
    private static final int EXECUTION_WARMUP_CALLS = 1000;

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "MCP tool calls";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path temp = TempDirs.create();
        List<McpSyncClient> clients = new ArrayList<>();
        try (CodeboxMcpServer server = CodeboxMcpServer.builder(new LocalProvider(options.python()))
                .tempRoot(temp).maxSessions(16).maxConcurrentExecutions(8).build();
             LocalCommandLineExecutor inProcess = new LocalCommandLineExecutor(Programs.localConfig(options))) {
            try {
                return rows(options, server, inProcess, clients);
            } finally {
                // While the server still runs: a client's close ends its session with a request.
                for (McpSyncClient client : clients) {
                    client.closeGracefully();
                }
            }
        } finally {
            TempDirs.deleteRecursively(temp);
        }
    }

    private static List<Row> rows(BenchOptions options, CodeboxMcpServer server, CodeExecutor inProcess,
                                  List<McpSyncClient> clients) throws Exception {
        inProcess.start();
        HttpEndpoint endpoint = server.serveHttp(HttpSettings.builder().port(0).token(TOKEN).build());
        McpSyncClient stdio = stdioClient(options);
        clients.add(stdio);
        McpSyncClient http = httpClient(endpoint.uri());
        clients.add(http);
        List<Row> rows = new ArrayList<>();
        rows.add(perCall(options, "execute_code print(1), warm session, stdio", stdio, inProcess));
        try (RawStdioClient raw = RawStdioClient.start(stdioServerCommand(options))) {
            rows.add(perCallRaw(options, "execute_code print(1), warm session, stdio, bare JSON-RPC client", raw, inProcess));
        }
        rows.add(perCall(options, "execute_code print(1), warm session, HTTP", http, inProcess));
        try (RawHttpClient raw = RawHttpClient.connect(endpoint.uri(), TOKEN)) {
            rows.add(perCallRaw(options, "execute_code print(1), warm session, HTTP, bare HTTP/1.1 client", raw, inProcess));
        }

        List<McpSyncClient> eight = new ArrayList<>();
        List<String> sessions = new ArrayList<>();
        List<CodeExecutor> executors = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            McpSyncClient client = httpClient(endpoint.uri());
            clients.add(client);
            eight.add(client);
            sessions.add(session(client));
            LocalCommandLineExecutor executor = new LocalCommandLineExecutor(Programs.localConfig(options));
            executor.start();
            executors.add(executor);
        }
        try {
            eight.forEach(McpBench::warmUp);
            rows.add(ConcurrencyBench.throughput(options, SECTION, 8, "execute_code print(1), 8 HTTP clients, 8 sessions",
                    t -> () -> execute(eight.get(t), sessions.get(t)),
                    t -> () -> Programs.check(executors.get(t).execute(CodeBlock.python("print(1)")), "1\n"),
                    "8 threads, 8 executors in-process"));
            rows.add(protocolOnly(options, eight));
        } finally {
            executors.forEach(CodeExecutor::close);
        }
        return rows;
    }

    private static Row perCall(BenchOptions options, String name, McpSyncClient client, CodeExecutor inProcess)
            throws Exception {
        String session = session(client);
        warmUp(client);
        Interleaved.Comparison comparison = Interleaved.compare(Math.max(options.warmup(), EXECUTION_WARMUP_CALLS),
                options.iterations(), () -> execute(client, session), inProcessBlock(inProcess));
        return Row.latency(SECTION, name, comparison.codebox(), "same block in-process", comparison.baseline(), OVERHEAD);
    }

    /**
     * A per-call row again with a bare client instead of the SDK's: what the server costs without
     * the client's share (informative; the target is the SDK client's row).
     */
    private static Row perCallRaw(BenchOptions options, String name, RawMcpClient client, CodeExecutor inProcess)
            throws Exception {
        String session = client.callTool("create_session", Map.of()).path("structuredContent").path("session_id").asText();
        for (int i = 0; i < PROTOCOL_WARMUP_CALLS; i++) {
            client.callTool("list_languages", Map.of());
        }
        Map<String, Object> arguments = Map.of("code", "print(1)", "session_id", session);
        Interleaved.Comparison comparison = Interleaved.compare(Math.max(options.warmup(), EXECUTION_WARMUP_CALLS),
                options.iterations(), () -> {
            JsonNode result = client.callTool("execute_code", arguments);
            if (result.path("isError").asBoolean() || !"1\n".equals(result.path("structuredContent").path("output").asText())) {
                throw new IllegalStateException("unexpected result: " + result);
            }
        }, inProcessBlock(inProcess));
        return Row.latency(SECTION, name, comparison.codebox(), "same block in-process", comparison.baseline(), Target.none());
    }

    /** The baseline of the per-call rows: the same block on an executor in this JVM. */
    private static Interleaved.Operation inProcessBlock(CodeExecutor inProcess) {
        return () -> Programs.check(inProcess.execute(CodeBlock.python("print(1)")), "1\n");
    }

    /**
     * Brings the JIT up to speed on the server's and the client's protocol path (HTTP or stdio,
     * the SDK, Jackson, schema validation), which the few warm-up blocks of a row cannot: without
     * it the row measures compilation, several ms per call. The rows then warm {@code execute_code}
     * and the in-process executor alike with {@value #EXECUTION_WARMUP_CALLS} blocks each: the stdio
     * server is a JVM of its own, and a server that has run a few hundred blocks still runs that path
     * in the interpreter and C1 (measured: 2.2-2.7 ms above in-process after 200 blocks, 0.8-1.7 ms
     * after 2,500).
     */
    private static void warmUp(McpSyncClient client) {
        for (int i = 0; i < PROTOCOL_WARMUP_CALLS; i++) {
            client.callTool(new McpSchema.CallToolRequest("list_languages", Map.of()));
        }
    }

    /** Calls that run no code (list_languages): what the protocol and the server cost alone. */
    private static Row protocolOnly(BenchOptions options, List<McpSyncClient> clients) throws Exception {
        int perThread = Math.max(1, options.iterations());
        double[] rates = new double[options.rounds()];
        try (Parallel parallel = new Parallel(8)) {
            parallel.rate(5, t -> () -> clients.get(t).callTool(new McpSchema.CallToolRequest("list_languages", Map.of())));
            for (int round = 0; round < options.rounds(); round++) {
                rates[round] = parallel.rate(perThread,
                        t -> () -> clients.get(t).callTool(new McpSchema.CallToolRequest("list_languages", Map.of())));
            }
        }
        Samples samples = Samples.of(rates);
        return Row.value(SECTION, "list_languages calls/s, 8 HTTP clients", "calls/s", samples.median(), null, null,
                Target.none());
    }

    private static String session(McpSyncClient client) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("create_session", Map.of()));
        return (String) ((Map<?, ?>) result.structuredContent()).get("session_id");
    }

    private static void execute(McpSyncClient client, String session) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("execute_code",
                Map.of("code", "print(1)", "session_id", session)));
        Map<?, ?> structured = (Map<?, ?>) result.structuredContent();
        if (Boolean.TRUE.equals(result.isError()) || !"1\n".equals(structured.get("output"))) {
            throw new IllegalStateException("unexpected result: " + result);
        }
    }

    private static McpSyncClient httpClient(URI uri) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport
                        .builder("http://" + uri.getHost() + ":" + uri.getPort())
                        .endpoint(HttpSettings.ENDPOINT)
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
                        .build())
                .requestTimeout(Duration.ofSeconds(60)).build();
        client.initialize();
        return client;
    }

    /** The server over stdio in a JVM of its own, started like an MCP client starts {@code codebox mcp}. */
    private static McpSyncClient stdioClient(BenchOptions options) {
        List<String> command = stdioServerCommand(options);
        ServerParameters parameters = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size())).build();
        McpSyncClient client = McpClient.sync(new StdioClientTransport(parameters, new JacksonMcpJsonMapper(new ObjectMapper())))
                .requestTimeout(Duration.ofSeconds(60)).build();
        client.initialize();
        return client;
    }

    /** {@link McpStdioServer} in a JVM of its own. */
    private static List<String> stdioServerCommand(BenchOptions options) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), McpStdioServer.class.getName(), options.python().toString());
    }

    /** Local executors with the bench's Python, each in the session's work dir. */
    static final class LocalProvider implements ExecutorProvider {
        private final Path python;

        LocalProvider(Path python) {
            this.python = python;
        }

        @Override
        public List<String> executors() {
            return List.of("local");
        }

        @Override
        public List<String> languages(String executor) {
            return List.of("python", "bash", "sh");
        }

        @Override
        public CodeExecutor create(String executor, Optional<String> kernel, Path workDir) {
            return new LocalCommandLineExecutor(LocalExecutorConfig.builder().python(python).workDir(workDir).build());
        }
    }
}
