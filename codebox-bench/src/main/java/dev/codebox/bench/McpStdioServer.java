package dev.codebox.bench;

import dev.codebox.mcp.CodeboxMcpServer;
import java.nio.file.Path;

/** The MCP server over stdio with local executors, for the stdio rows of {@link McpBench}: {@code McpStdioServer PYTHON}. */
public final class McpStdioServer {

    private McpStdioServer() {
    }

    public static void main(String[] args) throws Exception {
        CodeboxMcpServer server = CodeboxMcpServer.builder(new McpBench.LocalProvider(Path.of(args[0]))).build();
        // A client that closes the connection may also send SIGTERM: the sessions are closed either way.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        try {
            server.serveStdio(System.in, System.out);
        } finally {
            server.close();
        }
    }
}
