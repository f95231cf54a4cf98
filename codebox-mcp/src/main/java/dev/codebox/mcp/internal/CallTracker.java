package dev.codebox.mcp.internal;

import dev.codebox.CancellationToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps JSON-RPC requests of {@code tools/call} to cancellation tokens, so that
 * {@code notifications/cancelled} can stop the code. The SDK neither handles that notification nor
 * gives a tool handler its request id, so {@link TrackingJsonMapper} registers each call as its
 * message is read and tells the handler the call's key through {@code _meta}.
 *
 * <p>A key is the request id within a scope: the client's identity and MCP session, so that nobody
 * can cancel another client's calls. A call is tracked from the moment its message is read (a
 * cancellation that overtakes the handler still counts) until its handler ends.
 */
final class CallTracker {

    /** The {@code _meta} entry that carries the call's key to the handler. */
    static final String META_KEY = "dev.codebox/call";

    private static final int PRUNE_ABOVE = 1024;
    private static final Duration STALE = Duration.ofHours(6);

    private record Call(CancellationToken token, Instant since) {
    }

    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    /** The size above which the next call prunes: doubles with what stays, so pruning costs O(1) a call. */
    private volatile int pruneAbove = PRUNE_ABOVE;

    static String key(String scope, Object requestId) {
        return scope + '\u0000' + requestId;
    }

    /** Starts tracking the call {@code key}. */
    void begin(String key) {
        if (calls.size() > pruneAbove) {
            // Calls whose handler never ran (a request the SDK refused) would otherwise stay forever.
            Instant cutoff = Instant.now().minus(STALE);
            calls.values().removeIf(call -> call.since().isBefore(cutoff));
            pruneAbove = Math.max(PRUNE_ABOVE, 2 * calls.size());
        }
        calls.put(key, new Call(new CancellationToken(), Instant.now()));
    }

    /** How many calls are tracked. */
    int size() {
        return calls.size();
    }

    /** The token of the call {@code key}; a new one when the call is not tracked. */
    CancellationToken token(String key) {
        Call call = key == null ? null : calls.get(key);
        return call == null ? new CancellationToken() : call.token();
    }

    /** Cancels the call {@code key} if it is tracked. */
    void cancel(String key) {
        Call call = calls.get(key);
        if (call != null) {
            call.token().cancel();
        }
    }

    /** Stops tracking the call {@code key}. */
    void end(String key) {
        if (key != null) {
            calls.remove(key);
        }
    }
}
