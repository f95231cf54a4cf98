package dev.codebox.runner.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.spi.BlockOutput;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM's side of the runner protocol (version {@value #PROTOCOL}, docs/runner-protocol.md): one
 * authenticated {@link RunnerStream} that carries every request of an executor at once, each on a
 * channel of its own. One reader thread takes the runner's frames and hands each to the call of its
 * channel; any thread may send.
 *
 * <p>Every frame is checked before its payload is read: its channel must be one the JVM opened and
 * has not seen end, its type one that call expects, its length within that type's bound. Anything
 * else is a {@link ProtocolException} that ends the connection and fails every call on it, so a
 * broken or hostile runner can neither make the JVM allocate without bound nor pass for a healthy one.
 */
public final class RunnerConnection implements AutoCloseable {

    public static final int PROTOCOL = 4;
    /** File data goes in frames of at most this many bytes, both ways. */
    public static final int DATA_CHUNK_BYTES = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEADER_BYTES = 9;
    private static final int MAX_HELLO_BYTES = 4096;
    private static final int MAX_OUTPUT_BYTES = 1 << 20;
    private static final int MAX_DATA_BYTES = 1 << 20;
    private static final int MAX_REPLY_BYTES = 16 << 20;
    private static final int EXIT_BYTES = 5;
    /** How much garbage a reattached stream may carry before the runner's hello. */
    private static final long MAX_RESYNC_BYTES = 64L << 20;

    /**
     * How a run ended as the runner reports it.
     *
     * @param notRun the run was not started: the write it was to follow did not succeed
     * @param listing the work dir's listing taken when the run ended, as a {@code list} request's
     *     reply, for a run that asked for it ({@code "list": LIMIT}); empty when it did not, or when
     *     the runner could not list
     */
    public record Exit(int code, boolean outOfMemory, boolean deadlinePassed, boolean notRun, Optional<JsonNode> listing) {

        /** An exit without a listing. */
        public Exit(int code, boolean outOfMemory, boolean deadlinePassed, boolean notRun) {
            this(code, outOfMemory, deadlinePassed, notRun, Optional.empty());
        }
    }

    /** The runner broke the protocol: a frame of the wrong type, size, channel or content. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    /** The socket path is not the runner's socket (a link, another kind of file, another owner). */
    public static final class UntrustedSocketException extends IOException {
        public UntrustedSocketException(String message) {
            super(message);
        }
    }

    private final RunnerStream stream;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final Map<Integer, Call> calls = new ConcurrentHashMap<>();
    private final AtomicInteger channels = new AtomicInteger();
    private final Object writing = new Object();
    private volatile IOException failure;

    private RunnerConnection(RunnerStream stream) {
        this.stream = stream;
        buffer.flip();
    }

    /** A connection that has been opened and probed: what {@link #openProbed} returns. */
    public record Probed(RunnerConnection connection, Map<String, String> interpreters) {
    }

    /**
     * {@link #open}, then {@link #interpreters()}; the connection is closed when the probe fails.
     *
     * @throws ProtocolException as {@link #open}
     * @throws IOException as {@link #open}, or when the probe is not answered within {@code handshakeMillis}
     */
    public static Probed openProbed(RunnerStream stream, RunnerSecret secret, boolean resync, long handshakeMillis,
            ScheduledExecutorService timer, String name) throws IOException {
        RunnerConnection connection = open(stream, secret, resync, handshakeMillis, timer, name);
        try (CloseAtDeadline late = new CloseAtDeadline(timer, handshakeMillis, connection::close)) {
            try {
                return new Probed(connection, connection.interpreters());
            } catch (IOException | RuntimeException e) {
                connection.close();
                if (late.passed()) {
                    throw new IOException("the runner did not answer its probe on " + stream.describe() + " within "
                            + handshakeMillis + " ms", e);
                }
                throw e;
            }
        }
    }

    /**
     * Says hello on {@code stream}, checks the runner's proof and version, proves the JVM's, and
     * starts reading. Closes the stream when this fails.
     *
     * @param resync when true, bytes before the runner's hello are skipped (a reattached stream may
     *     start in the middle of a frame the runner wrote for the previous attachment)
     * @throws ProtocolException when the peer is not a runner of this version with the secret
     * @throws IOException when the stream ends, or the hello is not complete within {@code handshakeMillis}
     */
    public static RunnerConnection open(RunnerStream stream, RunnerSecret secret, boolean resync, long handshakeMillis,
            ScheduledExecutorService timer, String name) throws IOException {
        RunnerConnection connection = new RunnerConnection(stream);
        try (CloseAtDeadline late = new CloseAtDeadline(timer, handshakeMillis, stream::close)) {
            try {
                connection.handshake(secret, resync);
            } catch (IOException | RuntimeException e) {
                stream.close();
                if (late.passed() && !(e instanceof ProtocolException)) {
                    throw new IOException("the runner did not answer on " + stream.describe() + " within " + handshakeMillis + " ms", e);
                }
                throw e;
            }
        }
        Thread reader = new Thread(connection::readFrames, "codebox-runner-" + name);
        reader.setDaemon(true);
        reader.start();
        return connection;
    }

    private void handshake(RunnerSecret secret, boolean resync) throws IOException {
        send('Q', 0, Map.of("op", "hello"));
        if (resync) {
            skipToHello();
        }
        Header hello = readHeader();
        if (hello.type != 'H' || hello.channel != 0) {
            throw new ProtocolException("the runner's first frame is of type " + printable(hello.type) + " on channel "
                    + hello.channel + ", not a hello");
        }
        JsonNode json = JSON.readTree(readPayload(hello, MAX_HELLO_BYTES));
        if (json == null || json.path("protocol").asInt() != PROTOCOL) {
            throw new ProtocolException("the runner speaks protocol " + (json == null ? "(none)" : json.path("protocol"))
                    + ", not " + PROTOCOL + " (an image with another codebox runner?)");
        }
        if (!secret.verifies(RunnerSecret.RUNNER, json.path("proof").asText())) {
            throw new ProtocolException("the peer on " + stream.describe() + " did not prove it is the runner");
        }
        send('Q', 0, Map.of("op", "auth", "proof", secret.proof(RunnerSecret.CLIENT)));
        Header accepted = readHeader();
        if (accepted.type != 'R' || accepted.channel != 0) {
            throw new ProtocolException("the runner answered the authentication with a frame of type " + printable(accepted.type));
        }
        readPayload(accepted, MAX_HELLO_BYTES);
    }

    /** Reads up to a hello header ({@code 'H'}, channel 0), leaving it unread. */
    private void skipToHello() throws IOException {
        for (long skipped = 0; skipped < MAX_RESYNC_BYTES; skipped++) {
            fill(HEADER_BYTES);
            int at = buffer.position();
            if (buffer.get(at) == 'H' && buffer.getInt(at + 1) == 0) {
                int length = buffer.getInt(at + 5);
                if (length > 0 && length <= MAX_HELLO_BYTES) {
                    fill(HEADER_BYTES + 1); // may move the bytes to the buffer's start
                    if (buffer.get(buffer.position() + HEADER_BYTES) == '{') {
                        return;
                    }
                }
            }
            buffer.get();
        }
        throw new ProtocolException("no hello within " + MAX_RESYNC_BYTES + " bytes of the reattached stream");
    }

    // ---- requests -------------------------------------------------------------------------------

    /**
     * Sends a request and waits for its reply.
     *
     * @param data file data sent after the request (a write), or null
     * @param into where D frames of the reply go (a read), or null when the reply has none
     * @throws ProtocolException when the runner broke the protocol (this connection is closed then)
     * @throws IOException when the connection ended before the reply
     */
    public JsonNode request(Map<String, ?> request, InputStream data, OutputStream into) throws IOException {
        ReplyCall call = new ReplyCall(into);
        int channel = open(call);
        send('Q', channel, request);
        if (data != null) {
            byte[] chunk = new byte[DATA_CHUNK_BYTES];
            try {
                for (int n; (n = data.read(chunk)) > 0; ) {
                    sendFrame('D', channel, chunk, 0, n);
                }
            } catch (IOException e) {
                // The data could not be read (or the connection ended): the runner drops what came.
                calls.remove(channel);
                cancel(channel);
                throw e;
            }
        }
        return call.await();
    }

    /**
     * Sends a request without data and returns at once: the reply completes the future (which
     * fails with an {@link IOException} when the connection ends first). The runner handles
     * {@code ping}, {@code probe}, {@code list} and {@code delete} before it reads the next frame.
     *
     * @throws IOException when the request cannot be sent
     */
    public CompletableFuture<JsonNode> requestLater(Map<String, ?> request) throws IOException {
        ReplyCall call = new ReplyCall(null);
        int channel = open(call);
        send('Q', channel, request);
        return call.future;
    }

    /**
     * Writes {@code content} to {@code path} of the work dir and runs a command once it is written,
     * in one go: the run's request names the write's channel ({@code after}), and the runner starts
     * the run only when that write succeeded (else the run ends at once, {@link Exit#notRun()}).
     * Await {@link Run#written()} before the run's exit.
     *
     * @param runRequest the {@code run} request, without {@code after}
     * @throws IOException when the requests cannot be sent
     */
    public Run writeAndRun(String path, byte[] content, boolean reuse, Map<String, ?> runRequest, BlockOutput sink)
            throws IOException {
        ReplyCall write = new ReplyCall(null);
        Run run = new Run(sink, write);
        int writeChannel = open(write);
        run.channel = open(run);
        Map<String, Object> request = new java.util.LinkedHashMap<>(runRequest);
        request.put("after", writeChannel);
        byte[] writeBytes = json(writeRequest(path, content.length, reuse, false));
        byte[] runBytes = json(request);
        int dataFrames = (content.length + DATA_CHUNK_BYTES - 1) / DATA_CHUNK_BYTES;
        // One write of the stream: adjacent frames (nothing another thread sends comes between), and
        // over a pod's attach stream one WebSocket message instead of one per frame.
        ByteBuffer frames = ByteBuffer.allocate((2 + dataFrames) * HEADER_BYTES + writeBytes.length + content.length + runBytes.length);
        putFrame(frames, 'Q', writeChannel, writeBytes, 0, writeBytes.length);
        for (int at = 0; at < content.length; at += DATA_CHUNK_BYTES) {
            putFrame(frames, 'D', writeChannel, content, at, Math.min(DATA_CHUNK_BYTES, content.length - at));
        }
        putFrame(frames, 'Q', run.channel, runBytes, 0, runBytes.length);
        writeFrames(frames.flip());
        return run;
    }

    /**
     * Writes {@code size} bytes of {@code data} to {@code path} of the work dir (see the protocol's
     * {@code write}).
     *
     * @return the reply: {@code ok}, {@code outside} or {@code error}
     */
    public JsonNode write(String path, InputStream data, long size, boolean reuse, boolean executable) throws IOException {
        return request(writeRequest(path, size, reuse, executable), new ExactLength(data, size, path), null);
    }

    /**
     * The first {@code size} bytes of a stream, as announced to the runner: a file that grew while
     * it is copied is cut there, and one that shrank fails the write (the runner would wait for the
     * rest).
     */
    private static final class ExactLength extends java.io.FilterInputStream {
        private final String path;
        private long left;

        ExactLength(InputStream in, long size, String path) {
            super(in);
            this.left = size;
            this.path = path;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(bytes, offset, (int) Math.min(length, left));
            if (n < 0) {
                throw new IOException(path + " became " + left + " bytes shorter while it was copied");
            }
            left -= n;
            return n;
        }
    }

    private static Map<String, Object> writeRequest(String path, long size, boolean reuse, boolean executable) {
        Map<String, Object> request = new java.util.LinkedHashMap<>();
        request.put("op", "write");
        request.put("path", path);
        request.put("size", size);
        request.put("reuse", reuse);
        request.put("mode", executable ? 0755 : 0644);
        return request;
    }

    /**
     * Writes the host file {@code source} to {@code path} of the work dir, with the owner's execute
     * bit of the source.
     *
     * @param options {@link LinkOption#NOFOLLOW_LINKS} to refuse a link at {@code source}
     * @return the reply, as {@link #write}'s
     */
    public JsonNode writeFrom(Path source, String path, LinkOption... options) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(source, PosixFileAttributes.class, options);
        try (InputStream in = Files.newInputStream(source, options)) {
            return write(path, in, attributes.size(), false, attributes.permissions().contains(PosixFilePermission.OWNER_EXECUTE));
        }
    }

    /** The interpreters the runner found on its PATH, by name, with their paths (the probe request). */
    public Map<String, String> interpreters() throws IOException {
        Map<String, String> found = new java.util.HashMap<>();
        request(Map.of("op", "probe"), null, null).path("interpreters")
                .fields().forEachRemaining(entry -> found.put(entry.getKey(), entry.getValue().asText()));
        return Map.copyOf(found);
    }

    /** Whether the runner answers a ping within {@code millis}. */
    public boolean ping(long millis) {
        try {
            return requestLater(Map.of("op", "ping")).get(millis, TimeUnit.MILLISECONDS) != null;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * A stream to the Unix socket {@code path} in the container: bytes sent go to it, bytes it sends
     * go into {@code into} (written by the connection's reader thread), until either side ends it.
     */
    public Relay relay(String path, OutputStream into) throws IOException {
        ReplyCall call = new ReplyCall(into);
        int channel = open(call);
        send('Q', channel, Map.of("op", "connect", "path", path));
        return new Relay(channel, call);
    }

    /** A relayed stream of {@link #relay}. */
    public final class Relay {
        private final int channel;
        private final ReplyCall call;

        private Relay(int channel, ReplyCall call) {
            this.channel = channel;
            this.call = call;
        }

        /** Sends bytes to the socket in the container, in frames of at most {@value #DATA_CHUNK_BYTES}. */
        public void send(byte[] bytes, int offset, int length) throws IOException {
            sendData(channel, bytes, offset, length);
        }

        /** Ends the stream (the runner closes its socket); does not throw. */
        public void close() {
            if (!call.future.isDone()) {
                cancel(channel);
            }
        }

        /**
         * Waits until the stream ended.
         *
         * @throws IOException when the runner could not connect (the reply's error), or the connection ended
         */
        public void await() throws IOException {
            JsonNode reply = call.await();
            if (reply.has("error")) {
                throw new IOException("cannot connect in the container: " + reply.path("error").asText());
            }
        }
    }

    /** A started run: its output goes into {@code sink} until it ends. */
    public Run run(Map<String, ?> request, BlockOutput sink) throws IOException {
        Run run = new Run(sink, null);
        run.channel = open(run);
        send('Q', run.channel, request);
        return run;
    }

    /** Whether the connection still serves (it did not end, break the protocol, or get closed). */
    public boolean isOpen() {
        return failure == null;
    }

    /** Why the connection ended, or null while it is open. */
    public IOException failure() {
        return failure;
    }

    /** Closes the stream; every pending call fails. */
    @Override
    public void close() {
        fail(new EOFException("the connection to the runner was closed"));
    }

    // ---- calls ----------------------------------------------------------------------------------

    private abstract static class Call {
        abstract boolean takes(byte type);

        abstract void fail(IOException e);
    }

    private static final class ReplyCall extends Call {
        final OutputStream into;
        final CompletableFuture<JsonNode> future = new CompletableFuture<>();
        /** Why {@link #into} stopped taking data (a full disk, a closed client): only this call fails. */
        volatile IOException intoFailure;

        ReplyCall(OutputStream into) {
            this.into = into;
        }

        /** Takes data of a D frame; false, and the data dropped, once {@link #into} failed. */
        boolean accept(byte[] bytes, int offset, int length) {
            if (intoFailure != null) {
                return false;
            }
            try {
                into.write(bytes, offset, length);
                return true;
            } catch (IOException e) {
                intoFailure = e;
                return false;
            }
        }

        @Override
        boolean takes(byte type) {
            return type == 'R' || (type == 'D' && into != null);
        }

        @Override
        void fail(IOException e) {
            future.completeExceptionally(e);
        }

        JsonNode await() throws IOException {
            try {
                JsonNode reply = future.get();
                if (intoFailure != null) {
                    throw intoFailure;
                }
                return reply;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the runner");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
    }

    /** A run on its channel: output into the sink, then the exit. */
    public final class Run extends Call {
        private final BlockOutput sink;
        private final ReplyCall write;
        private final CompletableFuture<Exit> exit = new CompletableFuture<>();
        private int channel;

        private Run(BlockOutput sink, ReplyCall write) {
            this.sink = sink;
            this.write = write;
        }

        /**
         * The reply of the write of {@link #writeAndRun}: {@code ok}, {@code outside} or {@code error}.
         *
         * @throws IOException when the connection ended before it
         */
        public JsonNode written() throws IOException {
            if (write == null) {
                throw new IllegalStateException("a run without a write");
            }
            return write.await();
        }

        @Override
        boolean takes(byte type) {
            return type == 'O' || type == 'X';
        }

        @Override
        void fail(IOException e) {
            exit.completeExceptionally(e);
        }

        /** Whether the exit came (or the connection ended). */
        public boolean isDone() {
            return exit.isDone();
        }

        /** The listing that came with the exit ({@link Exit#listing()}); empty before the exit or without one. */
        public Optional<JsonNode> listing() {
            return exit.isDone() && !exit.isCompletedExceptionally() ? exit.join().listing() : Optional.empty();
        }

        /** Asks the runner to kill the run's whole session; closes the connection when that cannot be sent. */
        public void kill() {
            cancel(channel);
        }

        /**
         * Waits for the exit.
         *
         * @throws ProtocolException when the runner broke the protocol
         * @throws IOException when the connection ended first (the container stopped, or was removed)
         */
        public Exit await() throws IOException {
            try {
                return exit.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                throw new InterruptedIOException("interrupted while waiting for the block");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
    }

    private int open(Call call) throws IOException {
        IOException ended = failure;
        if (ended != null) {
            throw ended instanceof ProtocolException ? ended : new EOFException("the connection to the runner has ended: " + ended.getMessage());
        }
        int channel = channels.incrementAndGet();
        calls.put(channel, call);
        if (failure != null) { // it ended meanwhile: fail(...) may have missed this call
            calls.remove(channel);
            throw new EOFException("the connection to the runner has ended: " + failure.getMessage());
        }
        return channel;
    }

    // ---- reading --------------------------------------------------------------------------------

    private void readFrames() {
        try {
            while (true) {
                Header header = readHeader();
                Call call = header.channel == 0 ? null : calls.get(header.channel);
                if (call == null || !call.takes(header.type)) {
                    throw new ProtocolException("the runner sent a frame of type " + printable(header.type) + " on channel "
                            + header.channel + (call == null ? ", which is not open" : ", which does not take it"));
                }
                switch (header.type) {
                    case 'O' -> {
                        checkLength(header, 0, MAX_OUTPUT_BYTES);
                        Run run = (Run) call;
                        copyPayload(header.length, (bytes, offset, length) -> run.sink.write(bytes, offset, length));
                    }
                    case 'D' -> {
                        checkLength(header, 0, MAX_DATA_BYTES);
                        ReplyCall reply = (ReplyCall) call;
                        boolean failedBefore = reply.intoFailure != null;
                        copyPayload(header.length, reply::accept);
                        if (!failedBefore && reply.intoFailure != null) {
                            cancel(header.channel); // the runner stops sending; the call fails when its reply comes
                        }
                    }
                    case 'X' -> {
                        checkLength(header, EXIT_BYTES, EXIT_BYTES + MAX_REPLY_BYTES);
                        fill(EXIT_BYTES);
                        int code = buffer.getInt();
                        int flags = buffer.get();
                        Optional<JsonNode> listing = Optional.empty();
                        if (header.length > EXIT_BYTES) {
                            JsonNode reply = JSON.readTree(readBytes(header.length - EXIT_BYTES));
                            if (reply == null || !reply.isObject()) {
                                throw new ProtocolException("the listing at the end of the run on channel " + header.channel
                                        + " is not a JSON object");
                            }
                            listing = Optional.of(reply);
                        }
                        calls.remove(header.channel);
                        ((Run) call).exit.complete(new Exit(code, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, listing));
                    }
                    default -> { // 'R'
                        JsonNode reply = JSON.readTree(readPayload(header, MAX_REPLY_BYTES));
                        if (reply == null || !reply.isObject()) {
                            throw new ProtocolException("the runner's reply on channel " + header.channel + " is not a JSON object");
                        }
                        calls.remove(header.channel);
                        ((ReplyCall) call).future.complete(reply);
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            fail(new ProtocolException("the runner sent a reply that is not JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new IOException("reading from the runner failed: " + e, e));
        }
    }

    private void fail(IOException e) {
        synchronized (calls) {
            if (failure == null) {
                failure = e;
            }
        }
        stream.close();
        for (Integer channel : calls.keySet()) {
            Call call = calls.remove(channel);
            if (call != null) {
                call.fail(failure);
            }
        }
    }

    private record Header(byte type, int channel, int length) {
    }

    private Header readHeader() throws IOException {
        fill(HEADER_BYTES);
        return new Header(buffer.get(), buffer.getInt(), buffer.getInt());
    }

    private byte[] readPayload(Header header, int max) throws IOException {
        checkLength(header, 0, max);
        return readBytes(header.length);
    }

    /** The next {@code length} bytes of the stream (a length checked before). */
    private byte[] readBytes(int length) throws IOException {
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

    private static void checkLength(Header header, int min, int max) throws ProtocolException {
        if (header.length < min || header.length > max) {
            throw new ProtocolException("the runner sent a frame of type " + printable(header.type) + " with " + header.length
                    + " bytes (allowed: " + (min == max ? String.valueOf(min) : min + " to " + max) + ")");
        }
    }

    private static String printable(byte type) {
        return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xff);
    }

    private interface Bytes {
        void write(byte[] bytes, int offset, int length) throws IOException;
    }

    /** Sends a cancel for {@code channel}; a connection that cannot send has failed already. */
    private void cancel(int channel) {
        try {
            sendFrame('K', channel, new byte[0], 0, 0);
        } catch (IOException e) {
            // fail(e) ran: every call has its answer
        }
    }

    private void copyPayload(int length, Bytes into) throws IOException {
        while (length > 0) {
            fill(1);
            int chunk = Math.min(buffer.remaining(), length);
            into.write(buffer.array(), buffer.arrayOffset() + buffer.position(), chunk);
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
                if (stream.read(buffer) < 0) {
                    throw new EOFException("the runner closed " + stream.describe());
                }
            }
        } finally {
            buffer.flip();
        }
    }

    // ---- writing --------------------------------------------------------------------------------

    private void send(char type, int channel, Map<String, ?> request) throws IOException {
        byte[] json = json(request);
        sendFrame(type, channel, json, 0, json.length);
    }

    /**
     * A request as JSON. Written with the streaming generator rather than the object mapper: a
     * block's requests go out while the JVM is still cold (the first few hundred blocks run mostly
     * interpreted), and the mapper's serializer look-ups then cost a tenth of a millisecond each.
     */
    private static byte[] json(Map<String, ?> request) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator generator = JSON.getFactory().createGenerator(bytes)) {
            writeValue(generator, request);
        }
        return bytes.toByteArray();
    }

    private static void writeValue(JsonGenerator generator, Object value) throws IOException {
        if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeFieldName(entry.getKey().toString());
                writeValue(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof List<?> list) {
            generator.writeStartArray();
            for (Object item : list) {
                writeValue(generator, item);
            }
            generator.writeEndArray();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Integer || value instanceof Long) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof Boolean flag) {
            generator.writeBoolean(flag);
        } else if (value == null) {
            generator.writeNull();
        } else {
            throw new IllegalArgumentException("a request value of " + value.getClass());
        }
    }

    /** Sends bytes as D frames of at most {@value #DATA_CHUNK_BYTES}. */
    private void sendData(int channel, byte[] bytes, int offset, int length) throws IOException {
        for (int at = offset; at < offset + length; at += DATA_CHUNK_BYTES) {
            sendFrame('D', channel, bytes, at, Math.min(DATA_CHUNK_BYTES, offset + length - at));
        }
    }

    private void sendFrame(char type, int channel, byte[] payload, int offset, int length) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + length);
        putFrame(frame, type, channel, payload, offset, length);
        writeFrames(frame.flip());
    }

    private static void putFrame(ByteBuffer into, char type, int channel, byte[] payload, int offset, int length) {
        into.put((byte) type).putInt(channel).putInt(length).put(payload, offset, length);
    }

    /** Writes whole frames in one write of the stream; a failure ends the connection. */
    private void writeFrames(ByteBuffer frames) throws IOException {
        try {
            synchronized (writing) {
                stream.write(frames);
            }
        } catch (IOException e) {
            fail(e);
            throw e;
        }
    }
}
