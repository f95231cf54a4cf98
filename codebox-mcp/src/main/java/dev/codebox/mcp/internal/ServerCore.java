package dev.codebox.mcp.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.mcp.ExecutorProvider;
import dev.codebox.mcp.HttpEndpoint;
import dev.codebox.mcp.HttpSettings;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the public {@code CodeboxMcpServer} delegates to: the session registry, the tools, and the
 * SDK servers on each transport, which share them.
 */
public final class ServerCore implements AutoCloseable {

    private static final String INSTRUCTIONS = "Runs code for you. Use execute_code for a one-off run; for work that "
            + "needs variables or files kept between calls, create_session first and pass its session_id. "
            + "Close sessions you no longer need.";

    private final String version;
    private final Limits limits;
    private final Optional<String> functionStubs;
    private final ScheduledExecutorService timer;
    private final SessionRegistry sessions;
    private final CodeTools tools;
    private final McpJsonMapper mapper;
    private final CallTracker tracker = new CallTracker();
    private final List<McpSyncServer> servers = new ArrayList<>();
    private final List<HttpEndpoint> endpoints = new ArrayList<>();

    public ServerCore(ExecutorProvider provider, Limits limits, Optional<String> functionStubs, String version, Path tempRoot) {
        this.version = version;
        this.limits = limits;
        this.functionStubs = functionStubs;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "codebox-mcp-timer");
            thread.setDaemon(true);
            return thread;
        });
        ObjectMapper json = new ObjectMapper();
        this.mapper = new TrackingJsonMapper(new JacksonMcpJsonMapper(json), tracker);
        this.sessions = new SessionRegistry(provider, limits, tempRoot, timer);
        this.tools = new CodeTools(sessions, tracker, limits, timer, json);
    }

    /** How many tool calls are tracked for cancellation now (none once every call has ended). */
    int trackedCalls() {
        return tracker.size();
    }

    /** Serves one client over {@code in} and {@code out} until {@code in} ends. */
    public void serveStdio(InputStream in, OutputStream out) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        StdioGuard guard = new StdioGuard(in, out, maxMessageBytes(), ended::countDown);
        StdioServerTransportProvider transport = new StdioServerTransportProvider(mapper, guard.input(), guard.output(),
                maxMessageBytes() + 1);
        McpSyncServer server = build(transport);
        try {
            ended.await();
        } finally {
            server.closeGracefully();
            synchronized (servers) {
                servers.remove(server);
            }
        }
    }

    /** Starts the streamable HTTP endpoint. */
    public HttpEndpoint serveHttp(HttpSettings settings) {
        List<String> origins = new ArrayList<>(List.of("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"));
        origins.addAll(settings.allowedOrigins());
        List<String> hosts = new ArrayList<>(List.of("localhost:*", "127.0.0.1:*", "[::1]:*", "localhost", "127.0.0.1"));
        if (!settings.loopback()) {
            hosts.add(settings.bind().contains(":") ? "[" + settings.bind() + "]:*" : settings.bind() + ":*");
        }
        hosts.addAll(settings.allowedHosts());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(mapper)
                .mcpEndpoint(HttpSettings.ENDPOINT)
                .maxRequestSize(maxMessageBytes())
                .keepAliveInterval(Duration.ofSeconds(30))
                // The SDK's sweeper runs on a non-daemon thread it never stops, which would keep the
                // JVM alive after close(); a client that vanishes leaves only its small MCP session.
                .sessionSweepInterval(null)
                .securityValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(origins).allowedHosts(hosts).build())
                .contextExtractor(request -> McpTransportContext.create(
                        Map.of(CodeTools.PRINCIPAL, String.valueOf(request.getAttribute(BearerAuthFilter.PRINCIPAL_ATTRIBUTE)))))
                .build();
        McpSyncServer server = build(transport);
        HttpEndpoint endpoint = JettyEndpoint.start(settings, transport, () -> {
            server.closeGracefully();
            synchronized (servers) {
                servers.remove(server);
            }
        });
        synchronized (servers) {
            endpoints.add(endpoint);
        }
        return endpoint;
    }

    /** The largest message accepted: an upload at the limit, base64-encoded, with room for the envelope. */
    private int maxMessageBytes() {
        return (int) Math.min(Integer.MAX_VALUE - 8, limits.maxUploadBytes() / 3 * 4 + (1 << 20));
    }

    private McpSyncServer build(Object transport) {
        McpServer.SyncSpecification<?> specification = transport instanceof McpStreamableServerTransportProvider streamable
                ? McpServer.sync(streamable) : McpServer.sync((McpServerTransportProvider) transport);
        McpSchema.ServerCapabilities.Builder capabilities = McpSchema.ServerCapabilities.builder().tools(false).logging();
        functionStubs.ifPresent(stubs -> capabilities.resources(false, false));
        specification.serverInfo("codebox", version)
                .instructions(INSTRUCTIONS)
                .jsonMapper(mapper)
                .jsonSchemaValidator(new DefaultJsonSchemaValidator())
                .validateToolInputs(true)
                .capabilities(capabilities.build())
                .tools(tools.specifications());
        functionStubs.ifPresent(stubs -> specification.resources(functionsResource(stubs)));
        McpSyncServer server = specification.build();
        synchronized (servers) {
            servers.add(server);
        }
        return server;
    }

    private static SyncResourceSpecification functionsResource(String stubs) {
        String uri = "codebox://functions";
        McpSchema.Resource resource = McpSchema.Resource.builder()
                .uri(uri)
                .name("functions")
                .title("Functions the code can import")
                .description("Signatures and docstrings of the functions module that code run by this server can import.")
                .mimeType("text/markdown")
                .build();
        return new SyncResourceSpecification(resource,
                (exchange, request) -> new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(uri, "text/markdown", stubs))));
    }

    /**
     * Closes every session (so that calls in flight end), then stops every transport. A second
     * caller (a shutdown hook beside the main thread) waits until the first is done.
     */
    @Override
    public synchronized void close() {
        sessions.close();
        List<McpSyncServer> open;
        List<HttpEndpoint> listening;
        synchronized (servers) {
            listening = List.copyOf(endpoints);
            endpoints.clear();
        }
        listening.forEach(HttpEndpoint::close);
        synchronized (servers) {
            open = List.copyOf(servers);
            servers.clear();
        }
        open.forEach(McpSyncServer::close);
        timer.shutdownNow();
    }
}
