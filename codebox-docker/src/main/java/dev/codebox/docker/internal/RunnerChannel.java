package dev.codebox.docker.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.spi.BlockOutput;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated connection to the runner in the container (the protocol is described in
 * {@code runner.py}): the runner's hello, then requests answered in turn, of which a run is the
 * last. Reading happens in one thread while {@link #kill()} and {@link #close()} may be called from
 * others, which is why this uses the channel directly and not stream adapters (those lock the
 * channel for a whole blocking read).
 *
 * <p>Every frame is checked: its type must be one the current state expects and its length within
 * that type's bound; anything else is a {@link ProtocolException}, so a broken or hostile runner
 * can neither make the JVM allocate without bound nor be mistaken for a healthy one.
 */
final class RunnerChannel implements AutoCloseable {

    static final int PROTOCOL = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEADER_BYTES = 5;
    private static final int MAX_HELLO_BYTES = 4096;
    private static final int MAX_OUTPUT_BYTES = 1 << 20;
    private static final int MAX_REPLY_BYTES = 16 << 20;
    private static final int EXIT_BYTES = 5;

    /** How the command ended as the runner reports it. */
    record Exit(int code, boolean outOfMemory) {
    }

    /** The runner broke the protocol: a frame of the wrong type, size or content. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    /** The socket path is not the runner's socket (a link, another kind of file, another owner). */
    static final class UntrustedSocketException extends IOException {
        UntrustedSocketException(String message) {
            super(message);
        }
    }

    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    private RunnerChannel(SocketChannel channel) {
        this.channel = channel;
        buffer.flip();
    }

    /**
     * Connects to the runner's socket and authenticates both ways.
     *
     * @param expectedOwner the uid the socket must belong to, when known
     * @param handshakeMillis how long the runner may take to say hello
     * @param timer closes the connection when the hello is late
     * @throws UntrustedSocketException when the path is a symbolic link, not a socket, or owned by
     *     another user (the container can replace it; it is never followed)
     * @throws IOException when nobody listens, the hello is late, or the runner's proof is wrong
     */
    static RunnerChannel open(Path socket, RunnerSecret secret, Optional<Integer> expectedOwner,
            long handshakeMillis, ScheduledExecutorService timer) throws IOException {
        UnixSockets.requireSocket(socket, expectedOwner);
        RunnerChannel opened = new RunnerChannel(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        ScheduledFuture<?> late = timer.schedule(opened::close, handshakeMillis, TimeUnit.MILLISECONDS);
        try {
            opened.handshake(secret);
            return opened;
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        } finally {
            late.cancel(false);
        }
    }

    private void handshake(RunnerSecret secret) throws IOException {
        byte type = readHeader();
        if (type != 'H') {
            throw new ProtocolException("the runner's first frame is of type " + printable(type) + ", not a hello");
        }
        JsonNode hello = JSON.readTree(readPayload((byte) 'H', MAX_HELLO_BYTES));
        if (hello.path("protocol").asInt() != PROTOCOL) {
            throw new ProtocolException("the runner speaks protocol " + hello.path("protocol") + ", not " + PROTOCOL
                    + " (an image with an older codebox runner?)");
        }
        if (!secret.verifies(RunnerSecret.RUNNER, hello.path("proof").asText())) {
            throw new ProtocolException("the peer on the runner's socket did not prove it is the runner");
        }
        send(Map.of("op", "auth", "proof", secret.proof(RunnerSecret.CLIENT)));
    }

    /** The interpreters the image has, by name ({@code python3}, {@code bash}, ...) with their paths. */
    Map<String, String> probe() throws IOException {
        send(Map.of("op", "probe"));
        return JSON.convertValue(reply(), new TypeReference<Map<String, String>>() { });
    }

    /** See {@link dev.codebox.spi.Runner#writeFile}; false when the path leads outside. */
    boolean write(String path, byte[] content, boolean reuse) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "write");
        request.put("path", path);
        request.put("data", Base64.getEncoder().encodeToString(content));
        request.put("reuse", reuse);
        send(request);
        JsonNode reply = reply();
        if (reply.path("outside").asBoolean()) {
            return false;
        }
        failOnError(reply);
        return true;
    }

    void delete(List<String> paths) throws IOException {
        send(Map.of("op", "delete", "paths", paths));
        failOnError(reply());
    }

    /** The work dir's regular files with their stamps; empty when there are more than {@code limit}. */
    Optional<Map<String, String>> list(int limit) throws IOException {
        send(Map.of("op", "list", "limit", limit));
        JsonNode files = reply().path("files");
        if (files.isNull() || files.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(JSON.convertValue(files, new TypeReference<Map<String, String>>() { }));
    }

    /** A chunk of a regular file of the work dir; empty when the path leads through a link or is not a file. */
    Optional<Chunk> read(String path, long offset, int length) throws IOException {
        send(Map.of("op", "read", "path", path, "offset", offset, "length", length));
        JsonNode reply = reply();
        if (reply.path("outside").asBoolean()) {
            return Optional.empty();
        }
        failOnError(reply);
        return Optional.of(new Chunk(Base64.getDecoder().decode(reply.path("data").asText()), reply.path("eof").asBoolean()));
    }

    /** Bytes read from a file, and whether they end it. */
    record Chunk(byte[] data, boolean endOfFile) {
    }

    /** Asks the runner to start {@code argv} in the work dir; the connection then serves this run only. */
    void startRun(List<String> argv) throws IOException {
        send(Map.of("op", "run", "argv", argv));
    }

    /**
     * Copies output frames into {@code sink} until the exit frame.
     *
     * @return the exit, or {@code null} when the connection ended without one (runner or container gone)
     * @throws ProtocolException when the runner sent a frame it must not send
     * @throws IOException when the channel was closed by another thread, or reading failed
     */
    Exit readOutput(BlockOutput sink) throws IOException {
        while (true) {
            byte type;
            try {
                type = readHeader();
            } catch (EOFException e) {
                return null;
            }
            int length = buffer.getInt();
            if (type == 'O') {
                checkLength(type, length, 0, MAX_OUTPUT_BYTES);
                copyPayload(length, sink);
            } else if (type == 'X') {
                checkLength(type, length, EXIT_BYTES, EXIT_BYTES);
                fill(length);
                int code = buffer.getInt();
                boolean outOfMemory = buffer.get() != 0;
                return new Exit(code, outOfMemory);
            } else {
                throw new ProtocolException("the runner sent a frame of unexpected type " + printable(type) + " during a run");
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

    /** Whether {@link #close()} was called (by another thread, or a timer). */
    boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    private JsonNode reply() throws IOException {
        byte type = readHeader();
        if (type != 'R') {
            throw new ProtocolException("the runner answered a request with a frame of type " + printable(type));
        }
        JsonNode reply = JSON.readTree(readPayload((byte) 'R', MAX_REPLY_BYTES));
        if (reply == null || !reply.isObject()) {
            throw new ProtocolException("the runner's reply is not a JSON object");
        }
        return reply;
    }

    private static void failOnError(JsonNode reply) throws IOException {
        if (reply.has("error")) {
            throw new IOException(reply.path("error").asText());
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

    private byte[] readPayload(byte type, int max) throws IOException {
        int length = buffer.getInt();
        checkLength(type, length, 0, max);
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

    private static void checkLength(byte type, int length, int min, int max) throws ProtocolException {
        if (length < min || length > max) {
            throw new ProtocolException("the runner sent a frame of type " + printable(type) + " with " + length
                    + " bytes (allowed: " + (min == max ? String.valueOf(min) : min + " to " + max) + ")");
        }
    }

    private static String printable(byte type) {
        return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xff);
    }

    private void copyPayload(int length, BlockOutput sink) throws IOException {
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
