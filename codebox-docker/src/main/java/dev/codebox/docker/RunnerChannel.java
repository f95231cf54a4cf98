package dev.codebox.docker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.output.OutputSink;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One connection to the runner in the container (the protocol is described in {@code runner.py}):
 * a request line, then frames back. Reading happens in one thread while {@link #kill()} and
 * {@link #close()} may be called from others, which is why this uses the channel directly and not
 * stream adapters (those lock the channel for a whole blocking read).
 */
final class RunnerChannel implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEADER_BYTES = 5;
    private static final int MAX_FRAME_BYTES = 1 << 20;

    /** How the command ended as the runner reports it. */
    record Exit(int code, boolean outOfMemory) {
    }

    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    private RunnerChannel(SocketChannel channel) {
        this.channel = channel;
        buffer.flip();
    }

    /** Connects to the runner's socket; fails at once when nobody listens. */
    static RunnerChannel open(Path socket) throws IOException {
        return new RunnerChannel(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    /** The interpreters the image has, by name ({@code python3}, {@code bash}, ...) with their paths. */
    Map<String, String> probe() throws IOException {
        send(Map.of("op", "probe"));
        byte type = readHeader();
        byte[] payload = readPayload();
        if (type != 'P') {
            throw new IOException("the runner answered a probe with a frame of type " + (char) type);
        }
        return JSON.readValue(payload, new TypeReference<Map<String, String>>() { });
    }

    /** Asks the runner to start {@code argv} in the work dir. */
    void startRun(List<String> argv) throws IOException {
        send(Map.of("op", "run", "argv", argv));
    }

    /**
     * Copies output frames into {@code sink} until the exit frame.
     *
     * @return the exit, or {@code null} when the connection ended without one (runner or container gone)
     * @throws IOException when the channel was closed by another thread, or reading failed
     */
    Exit readOutput(OutputSink sink) throws IOException {
        while (true) {
            byte type;
            try {
                type = readHeader();
            } catch (EOFException e) {
                return null;
            }
            int length = buffer.getInt();
            if (length < 0 || length > MAX_FRAME_BYTES) {
                throw new IOException("the runner sent a frame of " + length + " bytes");
            }
            if (type == 'O') {
                copyPayload(length, sink);
            } else if (type == 'X') {
                fill(length);
                int code = buffer.getInt();
                boolean outOfMemory = buffer.get() != 0;
                return new Exit(code, outOfMemory);
            } else {
                throw new IOException("the runner sent a frame of unknown type " + (char) type);
            }
        }
    }

    /** Asks the runner to kill the command's whole process tree. */
    void kill() {
        try {
            synchronized (channel) {
                channel.write(ByteBuffer.wrap(new byte[] {'K'}));
            }
        } catch (IOException e) {
            close(); // the runner kills the tree when the connection ends, too
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    private void send(Map<String, ?> request) throws IOException {
        byte[] line = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.wrap(line);
        synchronized (channel) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
    }

    /** Reads a header; the type is returned, the length is left in the buffer. */
    private byte readHeader() throws IOException {
        fill(HEADER_BYTES);
        return buffer.get();
    }

    private byte[] readPayload() throws IOException {
        int length = buffer.getInt();
        if (length < 0 || length > MAX_FRAME_BYTES) {
            throw new IOException("the runner sent a frame of " + length + " bytes");
        }
        byte[] payload = new byte[length];
        int copied = 0;
        while (copied < length) {
            fill(1);
            int chunk = Math.min(buffer.remaining(), length - copied);
            buffer.get(payload, copied, chunk);
            copied += chunk;
        }
        return payload;
    }

    private void copyPayload(int length, OutputSink sink) throws IOException {
        while (length > 0) {
            fill(1);
            int chunk = Math.min(buffer.remaining(), length);
            sink.write(buffer.array(), buffer.arrayOffset() + buffer.position(), chunk);
            buffer.position(buffer.position() + chunk);
            length -= chunk;
        }
    }

    /** Makes at least {@code needed} (at most the buffer's capacity) bytes available. */
    private void fill(int needed) throws IOException {
        if (buffer.remaining() >= needed) {
            return;
        }
        buffer.compact();
        try {
            while (buffer.position() < needed) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException("the runner closed the connection");
                }
            }
        } finally {
            buffer.flip();
        }
    }
}
