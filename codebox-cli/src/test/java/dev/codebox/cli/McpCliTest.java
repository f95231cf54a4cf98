package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.Processes;
import dev.codebox.testing.TestPython;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code codebox mcp}: the command as an MCP client starts it (stdio), and its refusals. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class McpCliTest {

    @TempDir
    Path dir;

    /** The server command a client would configure: this JVM's class path, a private temp dir, a marker to find it by. */
    static List<String> serverCommand(Path tempDir, String marker, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tempDir, "-Dcodebox.test.marker=" + marker,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "mcp"));
        command.addAll(List.of(args));
        return command;
    }

    static List<Path> sessionDirs(Path tempDir) throws Exception {
        try (Stream<Path> entries = Files.list(tempDir)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("codebox-mcp-")).toList();
        }
    }

    @Test
    void servesAJavaClientOverStdioAndLeavesNothingWhenTheClientGoes() throws Exception {
        Path functions = Files.writeString(dir.resolve("tools.py"),
                "def add(a: int, b: int) -> int:\n    \"\"\"Adds two numbers.\"\"\"\n    return a + b\n");
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        String marker = UUID.randomUUID().toString();
        List<String> command = serverCommand(temp, marker, "-e", "local", "--functions", functions.toString());
        ServerParameters parameters = ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .env(Map.of("CODEBOX_PYTHON", TestPython.path().toString(), "CODEBOX_MCP_TOKEN", "secret-0123456789abcdef"))
                .build();
        McpSyncClient client = McpClient.sync(new StdioClientTransport(parameters,
                        new JacksonMcpJsonMapper(new com.fasterxml.jackson.databind.ObjectMapper())))
                .requestTimeout(Duration.ofSeconds(60)).build();
        try {
            McpSchema.InitializeResult initialized = client.initialize();
            assertEquals("codebox", initialized.serverInfo().name());
            assertEquals(8, client.listTools().tools().size());

            McpSchema.CallToolResult sum = client.callTool(new McpSchema.CallToolRequest("execute_code",
                    Map.of("code", "from functions import add\nprint(add(2, 3))")));
            assertEquals("5\n", ((Map<?, ?>) sum.structuredContent()).get("output"), sum.toString());

            McpSchema.CallToolResult environment = client.callTool(new McpSchema.CallToolRequest("execute_code",
                    Map.of("code", "import os\nprint(os.environ.get('CODEBOX_MCP_TOKEN'), 'CODEBOX_PYTHON' in os.environ)")));
            assertEquals("None True\n", ((Map<?, ?>) environment.structuredContent()).get("output"), "the server's token reached the code");

            McpSchema.ReadResourceResult stubs = client.readResource(new McpSchema.ReadResourceRequest("codebox://functions"));
            String text = ((McpSchema.TextResourceContents) stubs.contents().get(0)).text();
            assertTrue(text.contains("def add(a: int, b: int) -> int:") && text.contains("Adds two numbers."), text);

            McpSchema.CallToolResult session = client.callTool(new McpSchema.CallToolRequest("create_session", Map.of()));
            String id = (String) ((Map<?, ?>) session.structuredContent()).get("session_id");
            client.callTool(new McpSchema.CallToolRequest("upload_file", Map.of("session_id", id, "path", "n.txt", "text", "7")));
            McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("execute_code",
                    Map.of("session_id", id, "code", "print(int(open('n.txt').read()) * 6)")));
            assertEquals("42\n", ((Map<?, ?>) read.structuredContent()).get("output"), read.toString());
            assertEquals(1, sessionDirs(temp).size());
        } finally {
            client.closeGracefully();
        }
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(15)), "the server outlived its client");
        assertEquals(List.of(), sessionDirs(temp));
    }

    @Test
    void refusesOptionsThatDoNotFit() throws Exception {
        assertUsage("--json is for exec and run", "mcp", "--json");
        assertUsage("--work-dir is for exec and run", "mcp", "--work-dir", dir.toString());
        assertUsage("--token-file and --no-auth are for --http", "mcp", "--no-auth");
        assertUsage("only allowed on a loopback address", "mcp", "--http", "--no-auth", "--bind", "0.0.0.0");
        assertUsage("no such file", "mcp", "--http", "--token-file", dir.resolve("missing").toString());
        Files.writeString(dir.resolve("short"), "# comment\nshort\n");
        assertUsage("at least 16 printable ASCII characters", "mcp", "--http", "--token-file", dir.resolve("short").toString());
        assertUsage("unknown executor 'cloud'", "mcp", "--allow-executor", "cloud");
        assertUsage("--jupyter-url is not supported by codebox mcp", "mcp", "-e", "jupyter", "--jupyter-url", "http://127.0.0.1:1/");
    }

    private void assertUsage(String expected, String... args) throws Exception {
        CliProcess cli = CliProcess.run(dir, "", args);
        assertEquals(Main.USAGE, cli.exitCode(), cli.stderr());
        assertTrue(cli.stderr().contains(expected), cli.stderr());
        assertFalse(cli.stderr().contains("Exception"), cli.stderr());
        assertEquals("", cli.stdout());
    }
}
