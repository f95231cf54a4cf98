package dev.codebox.jupyter.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Creates the requests of one client session: every header carries the same session id. */
public final class MessageFactory {

    /** The protocol version codebox speaks. */
    public static final String PROTOCOL_VERSION = "5.3";

    private static final JsonNode EMPTY = Json.object();

    private final String session = UUID.randomUUID().toString();

    /** The session id of every header. */
    public String session() {
        return session;
    }

    /** A request of type {@code msgType} with {@code content}, not a reply to anything. */
    public JupyterMessage request(Channel channel, String msgType, JsonNode content) {
        return reply(channel, msgType, content, EMPTY);
    }

    /** A message answering {@code parentHeader} (used for stdin replies). */
    public JupyterMessage reply(Channel channel, String msgType, JsonNode content, JsonNode parentHeader) {
        ObjectNode header = Json.object();
        header.put("msg_id", newId());
        header.put("msg_type", msgType);
        header.put("session", session);
        header.put("username", "codebox");
        header.put("date", Instant.now().toString());
        header.put("version", PROTOCOL_VERSION);
        return new JupyterMessage(channel, header, parentHeader, EMPTY, content);
    }

    /** An {@code execute_request} that stores history, allows no stdin and stops on errors. */
    public JupyterMessage executeRequest(String code) {
        ObjectNode content = Json.object();
        content.put("code", code);
        content.put("silent", false);
        content.put("store_history", true);
        content.set("user_expressions", Json.object());
        content.put("allow_stdin", false);
        content.put("stop_on_error", true);
        return request(Channel.SHELL, "execute_request", content);
    }

    // Message ids only need to be unique, not unguessable: skip SecureRandom on the hot path.
    private static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }
}
