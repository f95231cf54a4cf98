package dev.codebox.jupyter.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    @Test
    void signsLikeHmacSha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        byte[] signature = new Signer("Jefe").sign("what do ya want ".getBytes(StandardCharsets.US_ASCII),
                "for nothing?".getBytes(StandardCharsets.US_ASCII));
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                new String(signature, StandardCharsets.US_ASCII));
    }

    @Test
    void decodesWhatItEncodesBehindRoutingIds() {
        WireCodec codec = new WireCodec(new Signer("secret"));
        JupyterMessage sent = new MessageFactory().executeRequest("x = 1");
        List<byte[]> frames = new ArrayList<>();
        frames.add("routing-id".getBytes(StandardCharsets.US_ASCII));
        frames.addAll(Arrays.asList(codec.encode(sent)));
        JupyterMessage received = codec.decode(Channel.SHELL, frames);
        assertEquals(sent.msgId(), received.msgId());
        assertEquals("execute_request", received.msgType());
        assertEquals("x = 1", received.content().path("code").asText());
    }

    @Test
    void refusesABadSignature() {
        byte[][] frames = new WireCodec(new Signer("secret")).encode(new MessageFactory().executeRequest("x"));
        WireCodec other = new WireCodec(new Signer("other"));
        ProtocolException error = assertThrows(ProtocolException.class, () -> other.decode(Channel.IOPUB, List.of(frames)));
        assertEquals("bad signature on a iopub message", error.getMessage());
    }

    @Test
    void emptyKeyMeansNoSignature() {
        assertArrayEquals(new byte[0], new Signer("").sign(new byte[] {1, 2}));
    }
}
