package dev.codebox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.mcp.ExecutorProvider;
import dev.codebox.mcp.HttpEndpoint;
import dev.codebox.mcp.HttpSettings;
import dev.codebox.testing.TestPython;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tool calls are tracked for cancellation only while they run: a long-lived server does not pile them up. */
class CallTrackingTest {

    private static final String TOKEN = "call-tracking-test-token-0123456789";

    @TempDir
    Path temp;

    @Test
    void everyToolCallStopsBeingTrackedWhenItEnds() {
        ExecutorProvider provider = new OneExecutorProvider("local", workDir ->
                new LocalCommandLineExecutor(LocalExecutorConfig.builder().python(TestPython.path()).workDir(workDir).build()));
        Limits limits = new Limits(4, Duration.ofMinutes(5), 2, Duration.ofSeconds(10), 1 << 20, 1 << 20, 1 << 20,
                Duration.ofMinutes(1));
        ServerCore core = new ServerCore(provider, limits, Optional.empty(), "test", temp);
        McpSyncClient client = null;
        try {
            HttpEndpoint endpoint = core.serveHttp(HttpSettings.builder().port(0).token(TOKEN).build());
            URI uri = endpoint.uri();
            client = McpClient.sync(HttpClientStreamableHttpTransport.builder("http://" + uri.getHost() + ":" + uri.getPort())
                            .endpoint(HttpSettings.ENDPOINT)
                            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
                            .build())
                    .requestTimeout(Duration.ofSeconds(60)).build();
            client.initialize();
            for (int i = 0; i < 20; i++) {
                client.callTool(new McpSchema.CallToolRequest("list_languages", Map.of()));
            }
            McpSchema.CallToolResult failed = client.callTool(new McpSchema.CallToolRequest("close_session", Map.of("session_id", "s-none")));
            assertTrue(Boolean.TRUE.equals(failed.isError()), failed.toString());
            McpSchema.CallToolResult ran = client.callTool(new McpSchema.CallToolRequest("execute_code", Map.of("code", "print(1)")));
            assertEquals("1\n", ((Map<?, ?>) ran.structuredContent()).get("output"));
            assertEquals(0, core.trackedCalls());
        } finally {
            if (client != null) {
                client.closeGracefully();
            }
            core.close();
        }
    }
}
