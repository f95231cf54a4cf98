package dev.codebox.docker.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LoopbackPort} with real sockets: what a relay gets, and what close ends. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopbackPortTest {

    @Test
    void eachConnectionGoesToTheRelayAndCloseEndsEveryOneStillOpenWithTheChannelsItTracks() throws Exception {
        Pipe tracked = Pipe.open();
        CountDownLatch relaying = new CountDownLatch(2);
        LoopbackPort port = LoopbackPort.start("test-port", (client, self) -> {
            self.track(tracked.source());
            relaying.countDown();
            ByteBuffer buffer = ByteBuffer.allocate(256);
            while (client.read(buffer) >= 0) { // an echo, until the client or close() ends it
                buffer.flip();
                while (buffer.hasRemaining()) {
                    client.write(buffer);
                }
                buffer.clear();
            }
        });
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port.port());
                Socket second = new Socket(InetAddress.getLoopbackAddress(), port.port())) {
            for (Socket socket : new Socket[] {first, second}) {
                socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), socket.getInputStream().readNBytes(4));
            }
            assertTrue(relaying.await(5, TimeUnit.SECONDS));

            port.close();

            assertEquals(-1, read(first.getInputStream()), "the first connection is still open");
            assertEquals(-1, read(second.getInputStream()), "the second connection is still open");
            assertFalse(tracked.source().isOpen(), "a tracked channel is still open");
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port.port()).close());
        } finally {
            tracked.sink().close();
        }
    }

    @Test
    void aRelayThatFailsClosesItsConnectionAndThePortGoesOn() throws Exception {
        try (LoopbackPort port = LoopbackPort.start("test-port", (client, self) -> {
            throw new IOException("no server");
        })) {
            for (int i = 0; i < 2; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port.port())) {
                    assertEquals(-1, read(socket.getInputStream()));
                }
            }
        }
    }

    /** The next byte, -1 at the end, or -1 when the peer reset the connection. */
    private static int read(InputStream in) {
        try {
            return in.read();
        } catch (IOException reset) {
            return -1;
        }
    }
}
