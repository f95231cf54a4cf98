package dev.codebox.mcp.internal;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK's JSON mapper with one addition: incoming JSON-RPC messages, which the SDK's transports
 * first read into a map, are shown to the {@link CallTracker} (see there why). {@code tools/call}
 * requests get their call key in {@code params._meta} (overwriting whatever a client put there);
 * {@code notifications/cancelled} cancel the call they name.
 *
 * <p>The scope of a message is the client identity and MCP session of the HTTP request being read,
 * set by the HTTP filter on the reading thread; stdio has one client and one session.
 */
final class TrackingJsonMapper implements McpJsonMapper {

    private static final ThreadLocal<String> SCOPE = new ThreadLocal<>();
    private static final String STDIO_SCOPE = "stdio";

    private final McpJsonMapper delegate;
    private final CallTracker tracker;

    TrackingJsonMapper(McpJsonMapper delegate, CallTracker tracker) {
        this.delegate = delegate;
        this.tracker = tracker;
    }

    /** Sets the scope of the messages read on this thread until {@link #clearScope()}. */
    static void setScope(String scope) {
        SCOPE.set(scope);
    }

    static void clearScope() {
        SCOPE.remove();
    }

    @Override
    public <T> T readValue(String content, TypeRef<T> type) throws IOException {
        return track(delegate.readValue(content, type));
    }

    @Override
    public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
        return track(delegate.readValue(content, type));
    }

    @SuppressWarnings("unchecked")
    private <T> T track(T value) {
        if (!(value instanceof Map<?, ?> message) || !(message.get("method") instanceof String method)) {
            return value;
        }
        String scope = SCOPE.get() == null ? STDIO_SCOPE : SCOPE.get();
        if (method.equals("tools/call") && message.get("id") != null
                && message.get("params") instanceof Map<?, ?> params) {
            Map<String, Object> meta = params.get("_meta") instanceof Map<?, ?> given
                    ? new LinkedHashMap<>((Map<String, Object>) given) : new LinkedHashMap<>();
            String key = CallTracker.key(scope, message.get("id"));
            meta.put(CallTracker.META_KEY, key);
            ((Map<String, Object>) params).put("_meta", meta);
            tracker.begin(key);
        } else if (method.equals("notifications/cancelled") && message.get("params") instanceof Map<?, ?> params
                && params.get("requestId") != null) {
            tracker.cancel(CallTracker.key(scope, params.get("requestId")));
        }
        return value;
    }

    @Override
    public <T> T readValue(String content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T convertValue(Object value, Class<T> type) {
        return delegate.convertValue(value, type);
    }

    @Override
    public <T> T convertValue(Object value, TypeRef<T> type) {
        return delegate.convertValue(value, type);
    }

    @Override
    public String writeValueAsString(Object value) throws IOException {
        return delegate.writeValueAsString(errorShape(value));
    }

    @Override
    public byte[] writeValueAsBytes(Object value) throws IOException {
        return delegate.writeValueAsBytes(errorShape(value));
    }

    /**
     * The HTTP transport answers a message it cannot read with the exception itself as the body
     * (class names, stack trace); the spec asks for a JSON-RPC error without an id.
     */
    private static Object errorShape(Object value) {
        if (!(value instanceof Throwable failure)) {
            return value;
        }
        Map<String, Object> error = new LinkedHashMap<>();
        if (failure instanceof McpError mcpError && mcpError.getJsonRpcError() != null) {
            error.put("code", mcpError.getJsonRpcError().code());
            error.put("message", mcpError.getJsonRpcError().message());
        } else {
            error.put("code", McpSchema.ErrorCodes.INTERNAL_ERROR);
            error.put("message", "internal error");
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        response.put("id", null);
        response.put("error", error);
        return response;
    }
}
