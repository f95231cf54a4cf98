package dev.codebox.jupyter.internal.protocol;

import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The ZeroMQ wire format: {@code [routing ids..., "<IDS|MSG>", signature, header, parent_header,
 * metadata, content, buffers...]}, signed over the four JSON frames.
 */
public final class WireCodec {

    private static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);

    private final Signer signer;

    public WireCodec(Signer signer) {
        this.signer = signer;
    }

    /** The frames to send for {@code message}, without routing ids. */
    public byte[][] encode(JupyterMessage message) {
        byte[] header = Json.bytes(message.header());
        byte[] parent = Json.bytes(message.parentHeader());
        byte[] metadata = Json.bytes(message.metadata());
        byte[] content = Json.bytes(message.content());
        return new byte[][] {DELIMITER, signer.sign(header, parent, metadata, content), header, parent, metadata, content};
    }

    /**
     * The message in {@code frames}, received on {@code channel}.
     *
     * @throws ProtocolException when the delimiter or a frame is missing or the signature is wrong
     */
    public JupyterMessage decode(Channel channel, List<byte[]> frames) {
        int delimiter = 0;
        while (delimiter < frames.size() && !Arrays.equals(frames.get(delimiter), DELIMITER)) {
            delimiter++;
        }
        if (frames.size() < delimiter + 6) {
            throw new ProtocolException("incomplete message on " + channel.wireName() + ": " + frames.size() + " frames");
        }
        byte[] header = frames.get(delimiter + 2);
        byte[] parent = frames.get(delimiter + 3);
        byte[] metadata = frames.get(delimiter + 4);
        byte[] content = frames.get(delimiter + 5);
        if (!signer.verify(frames.get(delimiter + 1), header, parent, metadata, content)) {
            throw new ProtocolException("bad signature on a " + channel.wireName() + " message");
        }
        return new JupyterMessage(channel, Json.parse(header), Json.parse(parent), Json.parse(metadata), Json.parse(content));
    }
}
