package dev.codebox.jupyter.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One message of the Jupyter messaging protocol (version 5), on a channel. Binary buffers are not
 * kept: the results codebox builds never need them.
 *
 * @param channel where the message travels
 * @param header the header ({@code msg_id}, {@code msg_type}, {@code session}, ...)
 * @param parentHeader the header of the request this message answers, an empty object when none
 * @param metadata the metadata object
 * @param content the content object
 */
public record JupyterMessage(Channel channel, JsonNode header, JsonNode parentHeader, JsonNode metadata, JsonNode content) {

    public JupyterMessage {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(parentHeader, "parentHeader");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(content, "content");
    }

    public String msgId() {
        return header.path("msg_id").asText();
    }

    public String msgType() {
        return header.path("msg_type").asText();
    }

    /** The {@code msg_id} of the request this message answers, empty when none. */
    public String parentMsgId() {
        return parentHeader.path("msg_id").asText();
    }

    /** The same message on another channel (websocket messages name their channel themselves). */
    public JupyterMessage on(Channel other) {
        return new JupyterMessage(other, header, parentHeader, metadata, content);
    }
}
